# Installs the libraries, public headers, profiles, a CMake package and a pkg-config file.
include(CMakePackageConfigHelpers)

install(
  TARGETS cposdk_hal cposdk_sdk cposdk_pcie
  EXPORT cposdkTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY hal/include/ sdk/include/ drivers/pcie/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY hal/profiles/ DESTINATION ${CMAKE_INSTALL_DATADIR}/cposdk/profiles
        FILES_MATCHING PATTERN "*.json")

install(
  EXPORT cposdkTargets
  NAMESPACE cposdk::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/cposdk)
configure_package_config_file(cmake/cposdkConfig.cmake.in ${PROJECT_BINARY_DIR}/cposdkConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/cposdk)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cposdkConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cposdkConfig.cmake ${PROJECT_BINARY_DIR}/cposdkConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/cposdk)

configure_file(cmake/cposdk.pc.in ${PROJECT_BINARY_DIR}/cposdk.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/cposdk.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
