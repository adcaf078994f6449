// The simulator's physical constants and the pure functions of the link model.
// docs/simulator.md explains each constant and where it comes from.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace cpo::sim::phys {

// ---- optics (per lane) ----
inline constexpr double kLaserSetpointMw = 100.0;     // ELS laser output, 20 dBm (ELSFP class lasers)
inline constexpr double kElsToOeLossDb = 1.5;         // ELS fiber jumper and two connectors (nominal)
inline constexpr double kDisconnectedLossDb = 100.0;  // a fiber loss at or above this: no light at all
// Output power of an enabled laser whose output fiber the host has not marked checked (page
// 1Ah OutputFiberChecked); advertised in page 1Ah (1 mW steps). OIF-ELSFP-CMIS-01.0 fiber check.
inline constexpr double kFiberCheckPowerMw = 1.0;
inline constexpr double kSplitLossDb = 6.02;        // one laser split into 4 lanes (10*log10 4)
inline constexpr double kModulatorLossDb = 10.0;    // modulator insertion + coupler + OE internal loss
inline constexpr double kLoopbackPlugLossDb = 0.5;  // default fiber: a loopback plug
inline constexpr double kLosAssertDbm = -12.0;      // Rx LOS asserts below this power
inline constexpr double kLosDeassertDbm = -11.0;    // and deasserts above this one (1 dB hysteresis)
inline constexpr double kSensitivityRefDbm = -4.0;  // received power at which thermal SNR = kSnrAtRefDb
inline constexpr double kSnrAtRefDb = 17.6;         // electrical SNR at the reference power
inline constexpr double kSnrCeilingDb = 22.0;       // SerDes/DSP-limited SNR of a clean channel
inline constexpr double kFirOptimumPre = -4, kFirOptimumMain = 52, kFirOptimumPost = -7;
inline constexpr double kFirPenaltyDbPerStep = 0.15;  // SNR lost per tap step away from the optimum

// ---- FEC, link ----
inline constexpr double kKp4BerLimit = 2.4e-4;  // RS(544,514) pre-FEC BER threshold (802.3ck/df)
inline constexpr double kLinkUpBer = 1.0e-4;    // BER a down link must reach to train (hysteresis)
inline constexpr double kRsSymbolsPerCw = 544, kRsCorrectable = 15, kRsBitsPerSymbol = 10;
inline constexpr double kLinkTrainingSeconds = 1.0;  // link training + PCS/FEC lock after conditions hold

// ---- laser electro-optics and aging ----
inline constexpr double kSlopeMwPerMa = 0.25;     // slope efficiency at 25 degC, new
inline constexpr double kSlopeTempCoeff = 0.003;  // slope lost per K above 25 degC
inline constexpr double kThresholdMa = 30.0;      // threshold current at 25 degC
inline constexpr double kThresholdT0 = 60.0;      // characteristic temperature T0, K
inline constexpr double kAgingHours = 150000.0;   // slope halves after this many operating hours
// The optical power set-point range each ELS laser advertises on page 1Ah (MaxOpticalPower, MinOpticalPower);
// a write outside it is refused, never clamped (laser safety).
inline constexpr double kLaserMinSetpointMw = 20.0;
inline constexpr double kLaserMaxSetpointMw = 150.0;
inline constexpr double kBiasMaxMa = 600.0;  // page 1Ah max bias: above it the APC loop fails
inline constexpr double kBiasMinMa = 50.0;   // page 1Ah min bias: the lowest ACC bias set-point accepted
// Bias set-point a laser starts with (page 1Bh, used in ACC): 100 mW from a fresh laser at 25 degC.
inline constexpr double kBiasSetpointDefaultMa = 430.0;
// Page 1Ah laser bias thresholds (alarm high = kBiasMaxMa, warning high, warning low, alarm low).
inline constexpr double kBiasHighWarningMa = 550.0;
inline constexpr double kBiasLowWarningMa = 150.0;
inline constexpr double kBiasLowAlarmMa = 100.0;
inline constexpr double kRampMwPerMs = 0.5;        // ELS ramp rate: 0 -> 100 mW in 200 ms
inline constexpr double kWavelengthNm = 1311.0;    // O-band CW source at 25 degC
inline constexpr double kWavelengthNmPerK = 0.08;  // DFB drift

// ---- thermal (liquid-cooled cold plate) ----
inline constexpr double kCoolantDefaultC = 30.0;
inline constexpr double kOeWattsPerPort = 7.0;   // OE dissipation per port served, ModuleReady
inline constexpr double kOeLowPowerWatts = 1.0;  // whole OE in ModuleLowPwr
inline constexpr double kOeKPerWatt = 0.5;       // OE to coolant thermal resistance
inline constexpr double kLaserWatts = 2.0;       // electrical power per laser at nominal bias
inline constexpr double kLaserOffWatts = 0.1;
inline constexpr double kElsKPerWatt = 1.2;         // 8-laser ELS module to coolant
inline constexpr double kLaserKPerWatt = 3.0;       // laser chip above its module
inline constexpr double kThermalTauSeconds = 20.0;  // cold-plate time constant
inline constexpr double kOeWarnC = 70, kOeAlarmC = 75, kOeShutdownC = 85;
inline constexpr double kLaserWarnC = 65, kLaserAlarmC = 70, kLaserShutdownC = 80;
inline constexpr double kLowWarnC = 5, kLowAlarmC = 0;
inline constexpr double kVccVolts = 3.3;
// ELS supply current besides the laser drive (controller, TEC): the kLaserOffWatts each laser
// slot dissipates when off, drawn from Vcc.
inline constexpr double kElsIdleMaPerLaser = kLaserOffWatts / kVccVolts * 1000.0;

// ---- CMIS timing ----
inline constexpr double kModulePwrUpSeconds = 1.0;  // ModulePwrUp duration (page 01h advertises MaxDurationModPwrUp)
inline constexpr double kModulePwrDnSeconds = 0.1;
inline constexpr double kDpInitSeconds = 1.0;    // DPInit (MaxDurationDPInit)
inline constexpr double kDpDeinitSeconds = 0.5;  // DPDeinit (MaxDurationDPDeinit)
inline constexpr double kDpTxTurnOnSeconds = 0.1;
inline constexpr double kDpTxTurnOffSeconds = 0.05;

// Module-to-coolant thermal resistance of an ELS of `lasers` lasers: a bigger module has a
// proportionally bigger cold-plate contact (kElsKPerWatt is the 8-laser module's).
[[nodiscard]] inline double els_k_per_watt(std::size_t lasers) noexcept {
  return kElsKPerWatt * 8.0 / static_cast<double>(lasers > 0 ? lasers : 8);
}

[[nodiscard]] inline double dbm(double mw) noexcept { return mw > 0 ? 10.0 * std::log10(mw) : -100.0; }

// Thermal-noise-limited SNR grows 2 dB per optical dB (electrical power ~ photocurrent^2);
// combined with the SerDes ceiling as parallel noise sources.
// 10^(db/10) through exp: the receiver chain runs it for every lane whose light changed, and
// glibc's exp costs a third of its pow.
[[nodiscard]] inline double from_db(double db) noexcept { return std::exp(db * (2.302585092994046 / 10.0)); }
[[nodiscard]] inline double mw(double dbm_value) noexcept { return dbm_value <= -99.0 ? 0.0 : from_db(dbm_value); }
[[nodiscard]] inline double snr_db(double rx_dbm, double penalty_db) noexcept {
  const double thermal = kSnrAtRefDb + 2.0 * (rx_dbm - kSensitivityRefDbm);
  constexpr double kCeilingInv = 6.309573444801933e-3;  // 10^(-kSnrCeilingDb / 10)
  static_assert(kSnrCeilingDb == 22.0);
  const double inv = from_db(-thermal) + kCeilingInv;
  return -10.0 * std::log10(inv) - penalty_db;
}

// snr_db's model on linear scales, without exp: the thermal SNR is 10^((17.6 + 8) / 10) times
// the received power in mW squared; `penalty_gain` is 10^(-penalty_db / 10). The receiver
// chain evaluates this for every lane whose light changed.
[[nodiscard]] inline double snr_linear(double rx_mw, double penalty_gain) noexcept {
  static_assert(kSnrAtRefDb == 17.6 && kSensitivityRefDbm == -4.0 && kSnrCeilingDb == 22.0);
  constexpr double kThermalPerMw2 = 363.0780547701014;  // 10^2.56
  constexpr double kCeilingInv = 6.309573444801933e-3;  // 10^-2.2
  if (!(rx_mw > 0)) return 0.0;
  return penalty_gain / (1.0 / (kThermalPerMw2 * rx_mw * rx_mw) + kCeilingInv);
}

// Gray-coded PAM4 on an AWGN channel: SER = 2(1-1/M) Q(sqrt(3 SNR/(M^2-1))), BER = SER/log2 M.
[[nodiscard]] inline double pam4_ber_linear(double snr) noexcept {
  const double x = std::sqrt(snr / 5.0);
  const double q = 0.5 * std::erfc(x / std::sqrt(2.0));
  const double ber = 0.75 * q;  // 1.5 Q / 2
  return ber > 0.5 ? 0.5 : ber;
}
[[nodiscard]] inline double pam4_ber(double snr_db_value) noexcept { return pam4_ber_linear(from_db(snr_db_value)); }

// RS(544,514) over 10-bit symbols: probability that a codeword has 1..15 symbol errors
// (corrected) and more than 15 (uncorrectable), symbol errors Poisson with mean 544 * p_sym.
struct FecRates {
  double corrected = 0;    // fraction of codewords
  double uncorrected = 0;  // fraction of codewords
};
[[nodiscard]] inline FecRates rs544(double ber) noexcept {
  // (1 - ber)^10 by squaring: exact enough and a tenth of pow's cost.
  static_assert(kRsBitsPerSymbol == 10);
  const double q1 = 1.0 - ber, q2 = q1 * q1, q4 = q2 * q2, q8 = q4 * q4;
  const double p_sym = 1.0 - q8 * q2;
  const double lambda = kRsSymbolsPerCw * p_sym;
  double term = std::exp(-lambda);  // P(0)
  const double p0 = term;
  double cdf = term;
  static constexpr double kInv[] = {0,       1.0,     1.0 / 2,  1.0 / 3,  1.0 / 4,  1.0 / 5,  1.0 / 6,  1.0 / 7,
                                    1.0 / 8, 1.0 / 9, 1.0 / 10, 1.0 / 11, 1.0 / 12, 1.0 / 13, 1.0 / 14, 1.0 / 15};
  static_assert(sizeof(kInv) / sizeof(kInv[0]) == static_cast<std::size_t>(kRsCorrectable) + 1);
  for (int k = 1; k <= static_cast<int>(kRsCorrectable); ++k) {
    term *= lambda * kInv[k];  // Poisson P(k) from P(k-1)
    cdf += term;
  }
  FecRates r;
  r.uncorrected = cdf >= 1.0 ? 0.0 : 1.0 - cdf;
  r.corrected = cdf - p0;
  return r;
}

// Codewords per second on one lane: payload rate * 544/514 (RS overhead) / 5440 bits.
[[nodiscard]] inline double codewords_per_second(double lane_gbps) noexcept {
  return lane_gbps * 1e9 * (544.0 / 514.0) / (kRsSymbolsPerCw * kRsBitsPerSymbol);
}

// Laser L-I curve: P = (I - I_th(T)) * slope(T, age) above threshold, 0 below.
[[nodiscard]] inline double slope_mw_per_ma(double temp_c, double age_hours) noexcept {
  const double slope = kSlopeMwPerMa * (1.0 - kSlopeTempCoeff * (temp_c - 25.0)) / (1.0 + age_hours / kAgingHours);
  return slope > 0.01 ? slope : 0.01;
}
[[nodiscard]] inline double threshold_ma(double temp_c) noexcept {
  return kThresholdMa * std::exp((temp_c - 25.0) / kThresholdT0);
}

// Bias the APC loop needs for `power_mw` at `temp_c` after `age_hours`.
[[nodiscard]] inline double required_bias_ma(double power_mw, double temp_c, double age_hours) noexcept {
  return threshold_ma(temp_c) + power_mw / slope_mw_per_ma(temp_c, age_hours);
}

// Output of a laser driven at `bias_ma` (ACC): the inverse of required_bias_ma, 0 below threshold.
[[nodiscard]] inline double acc_power_mw(double bias_ma, double temp_c, double age_hours) noexcept {
  const double p = (bias_ma - threshold_ma(temp_c)) * slope_mw_per_ma(temp_c, age_hours);
  return p > 0 ? p : 0.0;
}

// An OE lane's Tx bias as page 11h reports it and page 02h thresholds it: its share of the
// bias of the ELS laser lighting it (`lanes_per_laser` lanes), in the 4 uA steps of the CMIS
// field with multiplier x2 (CMIS 5.2 Table 8-47: 2 uA units times the multiplier).
[[nodiscard]] inline double lane_bias_ma(double laser_bias_ma, double lanes_per_laser) noexcept {
  return std::round(laser_bias_ma / lanes_per_laser * 250.0) / 250.0;
}

// Power fraction left after `loss_db`; 0 at or above kDisconnectedLossDb.
[[nodiscard]] inline double gain(double loss_db) noexcept {
  return loss_db >= kDisconnectedLossDb ? 0.0 : std::pow(10.0, -loss_db / 10.0);
}

}  // namespace cpo::sim::phys
