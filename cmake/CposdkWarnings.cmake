# Warning flags for the project's own targets; consumers never inherit them.
function(cposdk_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           -Wold-style-cast -Wcast-align -Woverloaded-virtual
                                           -Wconversion -Wsign-conversion)
  # No -Wnull-dereference: at -O1 (the sanitizer presets) GCC 12 reports it inside
  # libstdc++ (streambuf) for ordinary stream use.
  if(CPOSDK_WARNINGS_AS_ERRORS)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
