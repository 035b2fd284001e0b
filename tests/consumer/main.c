/* Uses the installed headers and library: prints the version and one HLC. */
#include <stdio.h>
#include <string.h>
#include <trail/trail.h>

int main(void)
{
    trail_hlc *clock = NULL;
    if (strcmp(trail_version(), TRAIL_VERSION) != 0 || trail_hlc_new(&clock, NULL) != TRAIL_OK)
        return 1;
    char text[TRAIL_HLC_TEXT_MAX];
    printf("trail %s %s\n", trail_version(), trail_hlc_format(text, trail_hlc_now(clock)));
    trail_hlc_free(clock);
    return 0;
}
