# cposdk_embed_files(<out.cpp> <namespace> FILES f1 f2 ...)
# Generates a translation unit holding each file's bytes, so built-in data (platform
# profiles) needs no file at run time. The generator runs at build time and is re-run
# whenever one of the files changes.
function(cposdk_embed_files out_cpp symbol)
  cmake_parse_arguments(ARG "" "" "FILES" ${ARGN})
  add_custom_command(
    OUTPUT ${out_cpp}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out_cpp} -DSYMBOL=${symbol} "-DFILES=${ARG_FILES}" -P
            ${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake
    DEPENDS ${ARG_FILES} ${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake
    COMMENT "Embedding ${symbol}"
    VERBATIM)
endfunction()
