# cmake -DSHOP_DEMO=… -DTRAIL=… -DWORK_DIR=… -P run_demo.cmake
#
# The demo as scripts/demo.sh runs it: shop_demo on a new file, then
# `trail log` and `trail verify` on it. Fails when any of them does, or when
# their output lacks what the demo is there to show.
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
set(db ${WORK_DIR}/shop.db)

function(step expect_in_output)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message("$ ${ARGN}\n${out}${err}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "exit status ${rc}")
  endif()
  string(FIND "${out}" "${expect_in_output}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "the output lacks '${expect_in_output}'")
  endif()
endfunction()

step("Every step behaved as described" ${SHOP_DEMO} ${db})
step("delete  orders" ${TRAIL} log ${db})
step("intact" ${TRAIL} verify ${db})
