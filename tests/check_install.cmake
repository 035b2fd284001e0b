# ctest -P script: installs the build into a scratch prefix, then builds and
# runs a consumer through find_package(trail) (shared and static) and through
# pkg-config, the two ways users find libtrail; the consumer also generates
# code from schema/shop.yaml with the installed trailgen and trail_generate().
set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})

function(step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "failed: ${cmd}\n${out}\n${err}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

step(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
step(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/consumer -B ${WORK_DIR}/consumer
     -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_C_FLAGS=${C_FLAGS}
     -DTRAIL_SCHEMA=${SOURCE_DIR}/schema/shop.yaml)
step(${CMAKE_COMMAND} --build ${WORK_DIR}/consumer)
# trail_generate() ran the installed trailgen: every file of the schema is there.
foreach(f shop.h shop.c shop_sqlite.c shop_pg.c shop_mysql.c shop_sqlite.sql shop_pg.sql shop_mysql.sql)
  if(NOT EXISTS ${WORK_DIR}/consumer/shop_api/${f})
    message(FATAL_ERROR "trail_generate() did not write ${f}")
  endif()
endforeach()
foreach(exe consumer_cmake consumer_static)
  step(${WORK_DIR}/consumer/${exe})
  if(NOT step_output MATCHES "^trail [0-9]+\\.[0-9]+\\.[0-9]+ [0-9-]+T")
    message(FATAL_ERROR "${exe} printed: ${step_output}")
  endif()
endforeach()
step(${WORK_DIR}/consumer/consumer_shop)
if(NOT step_output MATCHES "^created customer [0-9A-Z]+ version 1")
  message(FATAL_ERROR "consumer_shop printed: ${step_output}")
endif()

# pkg-config: compile and link by hand with what trail.pc says.
file(GLOB pcdir ${prefix}/lib*/pkgconfig ${prefix}/lib/*/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "${pcdir}")
step(pkg-config --cflags --libs trail)
string(STRIP "${step_output}" flags)
separate_arguments(flags UNIX_COMMAND "${flags}")
separate_arguments(cflags UNIX_COMMAND "${C_FLAGS}")
step(${C_COMPILER} ${cflags} ${SOURCE_DIR}/tests/consumer/main.c -o ${WORK_DIR}/consumer_pc ${flags})
set(ENV{LD_LIBRARY_PATH} "${prefix}/lib:${pcdir}/..")
step(${WORK_DIR}/consumer_pc)
message(STATUS "installed tree works: ${step_output}")
