# trail_warnings(target): the warning set every target of ours builds with.
# Warnings are errors: a warning left standing hides the next one.
function(trail_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Werror
    -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla)
endfunction()
