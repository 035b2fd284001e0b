# trail_generate(TARGET name SCHEMA file.yaml [DRIVERS sqlite pg mysql] [OUTPUT_DIR dir])
#
# DRIVERS defaults to every driver of the libtrail built or found
# (TRAIL_DRIVERS, set by runtime/CMakeLists.txt or trailConfig.cmake).
#
# Runs trailgen on SCHEMA at build time and makes TARGET, a static library of
# the generated sources that links libtrail and puts the generated header on
# its users' include path. The files are regenerated whenever the schema or
# trailgen (whose templates are built into it) changes.
#
# The output file names follow the schema's `schema:` key, which is read here
# at configure time; editing the schema re-runs the configure step.
function(trail_generate)
  cmake_parse_arguments(PARSE_ARGV 0 TG "" "TARGET;SCHEMA;OUTPUT_DIR" "DRIVERS")
  if(NOT TG_TARGET OR NOT TG_SCHEMA)
    message(FATAL_ERROR "trail_generate: TARGET and SCHEMA are required")
  endif()
  get_filename_component(schema ${TG_SCHEMA} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
  if(NOT TG_OUTPUT_DIR)
    set(TG_OUTPUT_DIR ${CMAKE_CURRENT_BINARY_DIR}/${TG_TARGET})
  endif()
  get_filename_component(out ${TG_OUTPUT_DIR} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_BINARY_DIR})
  if(NOT TG_DRIVERS)
    set(TG_DRIVERS ${TRAIL_DRIVERS})
  endif()
  if(NOT TG_DRIVERS)
    message(FATAL_ERROR "trail_generate: no DRIVERS given, and TRAIL_DRIVERS is not set")
  endif()

  file(STRINGS ${schema} line REGEX "^schema:[ \t]*[a-z][a-z0-9_]*" LIMIT_COUNT 1)
  string(REGEX REPLACE "^schema:[ \t]*([a-z][a-z0-9_]*).*" "\\1" name "${line}")
  if(NOT name)
    message(FATAL_ERROR "trail_generate: no `schema: NAME` line in ${schema}")
  endif()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${schema})

  set(sources ${out}/${name}.c)
  set(outputs ${out}/${name}.h ${out}/${name}.c)
  foreach(d ${TG_DRIVERS})
    list(APPEND sources ${out}/${name}_${d}.c)
    list(APPEND outputs ${out}/${name}_${d}.c ${out}/${name}_${d}.sql)
  endforeach()
  string(REPLACE ";" "," drivers "${TG_DRIVERS}")

  if(TARGET trailgen)
    set(generator $<TARGET_FILE:trailgen>)
    set(runtime trail_static)
  else()
    set(generator $<TARGET_FILE:trail::trailgen>)
    set(runtime trail::trail)
  endif()
  # trailgen leaves unchanged files alone, so that what includes them is not
  # rebuilt for nothing; the stamp tells the build that it ran.
  set(stamp ${out}/.${name}.stamp)
  add_custom_command(
    OUTPUT ${stamp}
    BYPRODUCTS ${outputs}
    COMMAND ${generator} --drivers ${drivers} -o ${out} ${schema}
    COMMAND ${CMAKE_COMMAND} -E touch ${stamp}
    DEPENDS ${schema} ${generator}
    COMMENT "trailgen ${TG_SCHEMA}"
    VERBATIM)
  add_library(${TG_TARGET} STATIC ${sources} ${stamp})
  target_include_directories(${TG_TARGET} PUBLIC ${out})
  target_link_libraries(${TG_TARGET} PUBLIC ${runtime})
  set_target_properties(${TG_TARGET} PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON)
endfunction()
