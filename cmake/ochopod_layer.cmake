# ochopod_layer(<layer> FOLDERS <concern folder>...): the library of one layer
# (docs/internals.md, "Source map"). Its sources are the .cpp files of the
# folders named, so a new concern folder is an edit of the layer's list. Its
# public headers are <layer>/include/ochopod; every internal header is
# spelled from the repository root ("runtime/zk/session.h"), and
# tests/unit/house_test.py keeps a layer from reaching the ones above it.
function(ochopod_layer layer)
  cmake_parse_arguments(ARG "" "" "FOLDERS" ${ARGN})
  set(sources)
  foreach(folder IN LISTS ARG_FOLDERS)
    file(GLOB found CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${folder}/*.cpp)
    list(APPEND sources ${found})
  endforeach()
  add_library(ochopod_${layer} ${sources})
  add_library(ochopod::${layer} ALIAS ochopod_${layer})
  set_target_properties(ochopod_${layer} PROPERTIES EXPORT_NAME ${layer})
  # A pod's build needs no flag of its own: the API is C++20.
  target_compile_features(ochopod_${layer} PUBLIC cxx_std_20)
  target_include_directories(ochopod_${layer}
    PUBLIC $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:include>
    PRIVATE ${PROJECT_SOURCE_DIR})
endfunction()
