# Installs the libraries, public headers, profiles, a CMake package and a pkg-config file.
include(CMakePackageConfigHelpers)

install(
  TARGETS cposdk_hal cposdk_sdk cposdk_pcie cposdk_sim
  EXPORT cposdkTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY hal/include/ sdk/include/ drivers/pcie/include/ sim/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY hal/profiles/ DESTINATION ${CMAKE_INSTALL_DATADIR}/cposdk/profiles
        FILES_MATCHING PATTERN "*.json")

# The reference driver, the shared-memory Bar and the GoogleMock Driver (cposdk::mocks
# links gmock by name in an installed tree).
install(
  TARGETS cposdk_reference cposdk_shm cposdk_mocks
  EXPORT cposdkTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY drivers/reference/include/ drivers/shm/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# The netlink driver (docs/netlink.md); libnl is linked by its plain names.
install(
  TARGETS cposdk_netlink
  EXPORT cposdkTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY drivers/netlink/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

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

# The C API: libcposdk_c.so.<CPO_ABI_VERSION> (cpo/cpo.h comes with sdk/include) and pkg-config cposdk-c.
install(
  TARGETS cposdk_c
  EXPORT cposdkTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${PROJECT_BINARY_DIR}/cposdk-c.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
# The Python package into the interpreter's site-packages path for the prefix
# (CPOSDK_PYTHON_INSTALL_DIR, sdk/python/CMakeLists.txt), and the bring-up example.
install(TARGETS cposdk_python LIBRARY DESTINATION ${CPOSDK_PYTHON_INSTALL_DIR}/cposdk)
install(FILES sdk/python/cposdk/__init__.py sdk/python/cposdk/__init__.pyi sdk/python/cposdk/py.typed
        DESTINATION ${CPOSDK_PYTHON_INSTALL_DIR}/cposdk)
install(PROGRAMS sdk/python/examples/bringup.py DESTINATION ${CMAKE_INSTALL_DATADIR}/cposdk/examples/python)
