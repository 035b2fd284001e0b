# ctest -P script: the symbols libtrail.so exports are exactly the functions
# the public headers declare with TRAIL_API (runtime/include/trail/*.h, and
# version.h.in, which CMake configures into version.h), no more (an internal
# name leaking out) and no fewer (a declaration whose definition lost its
# mark or went away).
execute_process(COMMAND ${NM} -D --defined-only ${LIBRARY}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM} failed on ${LIBRARY}: ${err}")
endif()
string(REGEX MATCHALL "[^\n]+" lines "${out}")
set(exported "")
foreach(line IN LISTS lines)
  # "address type name": every defined symbol but the linker's own.
  if(line MATCHES "^[0-9a-f]+ [A-Za-z] ([A-Za-z_][A-Za-z0-9_]*)$")
    set(name ${CMAKE_MATCH_1})
    if(NOT name MATCHES "^_(init|fini|edata|end|_bss_start)$" AND NOT name MATCHES "^_")
      list(APPEND exported ${name})
    endif()
  endif()
endforeach()

file(GLOB headers ${INCLUDE_DIR}/trail/*.h ${INCLUDE_DIR}/trail/*.h.in)
list(FILTER headers EXCLUDE REGEX "/api\\.h$") # where the mark is defined
set(declared "")
foreach(h IN LISTS headers)
  file(READ ${h} text)
  string(REGEX MATCHALL "TRAIL_API[^(;]*[ *]([a-z_][a-z0-9_]*)\\(" decls "${text}")
  foreach(d IN LISTS decls)
    string(REGEX REPLACE ".*[ *]([a-z_][a-z0-9_]*)\\($" "\\1" name "${d}")
    list(APPEND declared ${name})
  endforeach()
endforeach()

list(SORT exported)
list(REMOVE_DUPLICATES exported)
list(SORT declared)
list(REMOVE_DUPLICATES declared)
set(extra ${exported})
list(REMOVE_ITEM extra ${declared})
set(missing ${declared})
list(REMOVE_ITEM missing ${exported})
list(LENGTH exported n_exported)
list(LENGTH declared n_declared)
if(extra OR missing)
  message(FATAL_ERROR "libtrail exports ${n_exported} symbols, the headers declare ${n_declared}.\n"
    "Exported but not declared TRAIL_API: ${extra}\nDeclared TRAIL_API but not exported: ${missing}")
endif()
message(STATUS "libtrail exports the ${n_exported} functions its headers declare")
