# Included through CMAKE_PROJECT_INCLUDE by run.sh: adds the policy part (and so its tests)
# and the benchmarks to a tree whose top-level CMakeLists.txt does not list them yet, and
# changes nothing in a tree that already does.
function(medulla_watch_parts variable access value current_list_file)
  if(access STREQUAL "MODIFIED_ACCESS" AND NOT "policy" IN_LIST value)
    list(FIND value auth auth_at)
    math(EXPR policy_at "${auth_at} + 1")
    list(INSERT value ${policy_at} policy)
    set(MEDULLA_PARTS ${value} PARENT_SCOPE)
  endif()
  get_filename_component(list_dir ${current_list_file} DIRECTORY)
  file(READ ${CMAKE_SOURCE_DIR}/CMakeLists.txt top_level)
  string(FIND "${top_level}" "add_subdirectory(bench)" top_level_adds_bench)
  if(access STREQUAL "READ_ACCESS" AND list_dir STREQUAL "${CMAKE_SOURCE_DIR}/tests"
     AND top_level_adds_bench EQUAL -1 AND NOT TARGET medulla_policy_bench)
    add_subdirectory(${CMAKE_SOURCE_DIR}/bench ${CMAKE_BINARY_DIR}/bench)
  endif()
endfunction()

if(CMAKE_SOURCE_DIR STREQUAL PROJECT_SOURCE_DIR)
  variable_watch(MEDULLA_PARTS medulla_watch_parts)
endif()
