# ctest -P script: fails when clang-format would change any C file of ours.
# Generated output (generated/) is checked by its own drift test instead.
file(GLOB_RECURSE files RELATIVE ${SOURCE_DIR}
  ${SOURCE_DIR}/runtime/*.c ${SOURCE_DIR}/runtime/*.h
  ${SOURCE_DIR}/gen/*.c ${SOURCE_DIR}/gen/*.h
  ${SOURCE_DIR}/tests/*.c ${SOURCE_DIR}/tests/*.h
  ${SOURCE_DIR}/bench/*.c ${SOURCE_DIR}/tools/*.c ${SOURCE_DIR}/examples/*.c)
set(bad "")
foreach(f IN LISTS files)
  execute_process(COMMAND ${CLANG_FORMAT} --dry-run --Werror ${f}
    WORKING_DIRECTORY ${SOURCE_DIR} RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
  if(NOT rc EQUAL 0)
    list(APPEND bad ${f})
  endif()
endforeach()
list(LENGTH files n)
if(bad)
  string(REPLACE ";" "\n  " bad "${bad}")
  message(FATAL_ERROR "clang-format would change:\n  ${bad}\nrun: clang-format -i <files>")
endif()
message(STATUS "${n} files formatted")
