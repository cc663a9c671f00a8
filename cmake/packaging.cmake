# The Debian packages (CPack, DEB generator), cut along the install
# components of the top-level CMakeLists.txt. scripts/package configures a
# RelWithDebInfo build with BUILD_SHARED_LIBS=ON (CPack strips it) and runs
# cpack; any build can, but the static default is what the tests and
# benchmarks use.
#   ochopod          /usr/bin/ochopod, the shared libraries (ldconfig
#                    trigger), ochopod(1), bash completion; Depends from
#                    dpkg-shlibdeps
#   libochopod-dev   public headers, .so links, the CMake package config;
#                    Depends on ochopod (= version) and on the -dev packages
#                    the headers and the config need (computed below)
#   ochopod-examples /usr/bin/zookeeper_pod, zookeeper_pod(1)
#                    (OCHOPOD_INSTALL_EXAMPLES=ON), which the ZooKeeper
#                    example's image installs
#   ochopod-servo    /usr/bin/servo_pod, servo_pod(1)
#                    (OCHOPOD_INSTALL_EXAMPLES=ON), the servo image's: a
#                    package of its own, so the servo does not pull in the
#                    ZooKeeper example's JRE
# Each has its changelog and copyright in /usr/share/doc/<package>; lintian
# finds nothing to report on them (tests/package runs it).

if(BUILD_SHARED_LIBS)
  # 0.x: every minor release may break the ABI, so it is part of the soname.
  set_target_properties(ochopod_runtime ochopod_models ochopod_bindings ochopod_upload PROPERTIES
    VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR}
    # No -D<target>_EXPORTS (nothing reads it): the objects' flags are then
    # the static build's, so ccache hands scripts/package build/'s objects.
    DEFINE_SYMBOL "")
endif()

# The packages' names, used for their doc folders below and by CPack.
set(_ochopod_deb_runtime ochopod)
set(_ochopod_deb_dev libochopod-dev)
set(_ochopod_deb_examples ochopod-examples)
set(_ochopod_deb_servo ochopod-servo)

# The man pages and the changelog, gzipped -9n as Debian wants them (-n: no
# name or timestamp inside, so an unchanged source gives the same bytes).
set(_ochopod_gzipped "")
foreach(source IN ITEMS ochopod.1 zookeeper_pod.1 servo_pod.1 changelog)
  set(gz ${CMAKE_BINARY_DIR}/packaging/${source}.gz)
  add_custom_command(OUTPUT ${gz}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/packaging
    COMMAND gzip -9nc ${CMAKE_SOURCE_DIR}/packaging/${source} > ${gz}
    DEPENDS ${CMAKE_SOURCE_DIR}/packaging/${source} VERBATIM)
  list(APPEND _ochopod_gzipped ${gz})
endforeach()
add_custom_target(ochopod_package_files ALL DEPENDS ${_ochopod_gzipped})
install(FILES ${CMAKE_BINARY_DIR}/packaging/ochopod.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
        COMPONENT runtime)
install(FILES packaging/ochopod.bash-completion DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME ochopod COMPONENT runtime)
install(FILES packaging/ochopod.lintian-overrides DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides
        RENAME ${_ochopod_deb_runtime} COMPONENT runtime)

# The packages are native (no Debian revision: the file names and the
# (= version) Depends stay ${PROJECT_VERSION}), so the changelog is
# changelog.gz. Its newest entry must be this version's: apt-listchanges
# shows an upgrade the entries newer than the installed version, and
# neither CPack nor lintian compares the two.
file(STRINGS packaging/changelog _changelog_head LIMIT_COUNT 1)
string(FIND "${_changelog_head}" "ochopod (${PROJECT_VERSION}) " _at)
if(NOT _at EQUAL 0)
  message(FATAL_ERROR "packaging/changelog starts with '${_changelog_head}': "
                      "add an entry for ochopod (${PROJECT_VERSION}) on top")
endif()
# Every package carries the changelog and the copyright (the Apache licence
# by reference to /usr/share/common-licenses, as Debian policy 12.5 asks).
set(_ochopod_doc_components runtime dev)
if(OCHOPOD_INSTALL_EXAMPLES)
  list(APPEND _ochopod_doc_components examples servo)
endif()
foreach(component IN LISTS _ochopod_doc_components)
  install(FILES packaging/copyright ${CMAKE_BINARY_DIR}/packaging/changelog.gz
          DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${_ochopod_deb_${component}} COMPONENT ${component})
endforeach()

if(OCHOPOD_INSTALL_EXAMPLES AND TARGET zookeeper_pod)
  install(TARGETS zookeeper_pod RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT examples)
  install(FILES ${CMAKE_BINARY_DIR}/packaging/zookeeper_pod.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
          COMPONENT examples)
endif()
if(OCHOPOD_INSTALL_EXAMPLES AND TARGET servo_pod)
  install(TARGETS servo_pod RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT servo)
  install(FILES ${CMAKE_BINARY_DIR}/packaging/servo_pod.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
          COMPONENT servo)
endif()

# ldconfig through dpkg's trigger, once per dpkg run, as Debian wants it.
# CPack writes a postinst and a postrm calling ldconfig for libraries under
# /usr/lib unless CONTROL_EXTRA names scripts of its own; naming two that do
# not exist turns that off; CPack skips them, printing a "missing file"
# warning for each, which is expected.
set(_ochopod_control ${CMAKE_BINARY_DIR}/packaging/control-runtime)
file(CONFIGURE OUTPUT ${_ochopod_control}/triggers CONTENT "activate-noawait ldconfig\n")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_EXTRA
    ${_ochopod_control}/triggers ${_ochopod_control}/none/postinst ${_ochopod_control}/none/postrm)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_STRICT_PERMISSION ON)

# libochopod-dev's Depends, read from what a user's build includes and finds:
# each public header's #include <...> and each find_dependency() of the
# config, mapped to the Debian package that provides it. The C++ and C
# libraries' headers (<string>, <unistd.h>, <sys/types.h>) map to nothing;
# any other include or dependency with no entry stops the configure, so a
# new one cannot be forgotten.
set(_ochopod_include_packages
  "nlohmann/=nlohmann-json3-dev" "spdlog/=libspdlog-dev" "fmt/=libfmt-dev"
  "boost/=libboost-dev" "zookeeper/=libzookeeper-mt-dev" "httplib.h=libcpp-httplib-dev"
  "openssl/=libssl-dev" "ochopod/=" "sys/=" "netinet/=" "arpa/=" "linux/=")
set(_ochopod_config_packages
  "Threads=" "nlohmann_json=nlohmann-json3-dev" "spdlog=libspdlog-dev" "OpenSSL=libssl-dev"
  "Boost=libboost-filesystem-dev" "PkgConfig=pkgconf, libcpp-httplib-dev"
  "simdjson=libsimdjson-dev")
function(_ochopod_lookup table key out)
  foreach(entry IN LISTS ${table})
    string(FIND "${entry}" "=" eq)
    string(SUBSTRING "${entry}" 0 ${eq} prefix)
    math(EXPR from "${eq} + 1")
    string(SUBSTRING "${entry}" ${from} -1 package)
    string(LENGTH "${prefix}" n)
    string(SUBSTRING "${key}" 0 ${n} head)
    if(head STREQUAL prefix)
      set(${out} "${package}" PARENT_SCOPE)
      return()
    endif()
  endforeach()
  set(${out} "NOTFOUND" PARENT_SCOPE)
endfunction()
set(_ochopod_dev_depends "")
foreach(header IN LISTS OCHOPOD_PUBLIC_HEADERS)
  file(STRINGS ${header} includes REGEX "^#include <")
  foreach(line IN LISTS includes)
    string(REGEX REPLACE "^#include <([^>]+)>.*" "\\1" name "${line}")
    if(NOT name MATCHES "[/.]")
      continue()  # <string>, <vector>: the compiler's own
    endif()
    _ochopod_lookup(_ochopod_include_packages "${name}" package)
    if(package STREQUAL "NOTFOUND" AND NOT name MATCHES "/")
      set(package "")  # <unistd.h>, <signal.h>: the C library's
    endif()
    if(package STREQUAL "NOTFOUND")
      message(FATAL_ERROR "${header} includes <${name}>: add its Debian package to cmake/packaging.cmake")
    endif()
    list(APPEND _ochopod_dev_depends ${package})
  endforeach()
endforeach()
# The config as installed for this build (static builds find more).
file(READ ${CMAKE_BINARY_DIR}/ochopodConfig.cmake _config_text)
string(REGEX MATCHALL "find_dependency\\(([A-Za-z_]+)" _found "${_config_text}")
if(NOT OCHOPOD_STATIC_INSTALL)
  # Only the unconditional part applies: cut the text at the static block.
  string(FIND "${_config_text}" "if(OFF)" _cut)
  string(SUBSTRING "${_config_text}" 0 ${_cut} _config_text)
  string(REGEX MATCHALL "find_dependency\\(([A-Za-z_]+)" _found "${_config_text}")
endif()
foreach(call IN LISTS _found)
  string(REGEX REPLACE "find_dependency\\(" "" name "${call}")
  _ochopod_lookup(_ochopod_config_packages "${name}" package)
  if(package STREQUAL "NOTFOUND")
    message(FATAL_ERROR "ochopodConfig.cmake finds ${name}: add its Debian package to cmake/packaging.cmake")
  endif()
  list(APPEND _ochopod_dev_depends ${package})
endforeach()
list(FILTER _ochopod_dev_depends EXCLUDE REGEX "^$")
list(REMOVE_DUPLICATES _ochopod_dev_depends)
list(SORT _ochopod_dev_depends)
list(JOIN _ochopod_dev_depends ", " _ochopod_dev_depends)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ochopod)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "pod supervisor for containers clustered through ZooKeeper")
# One line per line of text, none over 80 columns (lintian); CPack indents
# them by one space.
set(CPACK_PACKAGE_DESCRIPTION
    "A container ENTRYPOINT that registers the pod in ZooKeeper, elects a leader,\nlets the leader reconfigure the cluster over HTTP, and runs, pipes and\nrestarts the pod's process. Wire-compatible with Autodesk's Python ochopod.")
# No published mailbox yet: a reserved domain (RFC 2606) that reads as one;
# put the real address here and in packaging/changelog's trailer line.
set(CPACK_PACKAGE_CONTACT "ochopod C++ authors <ochopod@example.org>")
set(CPACK_PACKAGE_HOMEPAGE_URL "https://github.com/autodesk-cloud/ochopod")
set(CPACK_RESOURCE_FILE_LICENSE ${CMAKE_SOURCE_DIR}/LICENSE)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime dev)
if(OCHOPOD_INSTALL_EXAMPLES)
  list(APPEND CPACK_COMPONENTS_ALL examples servo)
endif()
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME ${_ochopod_deb_runtime})
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_DEV_PACKAGE_NAME ${_ochopod_deb_dev})
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "ochopod (= ${PROJECT_VERSION}), ${_ochopod_dev_depends}")
set(CPACK_DEBIAN_EXAMPLES_PACKAGE_NAME ${_ochopod_deb_examples})
set(CPACK_DEBIAN_EXAMPLES_PACKAGE_SHLIBDEPS ON)
# zookeeper_pod runs Debian's ZooKeeper server jar with a headless JRE.
set(CPACK_DEBIAN_EXAMPLES_PACKAGE_DEPENDS
    "ochopod (= ${PROJECT_VERSION}), libzookeeper-java, default-jre-headless")
set(CPACK_DEBIAN_SERVO_PACKAGE_NAME ${_ochopod_deb_servo})
set(CPACK_DEBIAN_SERVO_PACKAGE_SHLIBDEPS ON)
# servo_pod runs its scripts' `ochopod` commands, and .py scripts by python3.
set(CPACK_DEBIAN_SERVO_PACKAGE_DEPENDS "ochopod (= ${PROJECT_VERSION})")
set(CPACK_DEBIAN_SERVO_PACKAGE_RECOMMENDS "python3")
# dpkg-shlibdeps must see our own libraries to read the binaries' needs; the
# dependency on them is the explicit ochopod (= version) above.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS
    ${CMAKE_BINARY_DIR}/runtime ${CMAKE_BINARY_DIR}/models ${CMAKE_BINARY_DIR}/bindings)
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION "${CPACK_PACKAGE_DESCRIPTION}")
set(CPACK_COMPONENT_DEV_DESCRIPTION
    "ochopod's C++ API: headers and CMake package config\n(find_package(ochopod), then link ochopod::ochopod).")
set(CPACK_COMPONENT_EXAMPLES_DESCRIPTION
    "ochopod's example pods: zookeeper_pod runs a ZooKeeper ensemble\nreconfigured by its leader.")
set(CPACK_COMPONENT_SERVO_DESCRIPTION
    "ochopod's servo example: a continuous-delivery pod running signed\nscript uploads against the clusters.")
include(CPack)
