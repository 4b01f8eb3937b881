/* keep_modules.c: a dlclose() that keeps every library loaded, preloaded for the sanitizer tests.
 *
 * Why: Open MPI loads its components with dlopen and unloads them in MPI_Finalize.  Memory they
 * left allocated is then reported by LeakSanitizer with frames of "<unknown module>", which no
 * suppression can name.  Kept loaded, the frames name Open MPI's libraries, and tests/lsan.supp
 * suppresses exactly those, so that a leak in parlab's own code is still reported. */
int dlclose(void *handle);
int dlclose(void *handle)
{
    (void)handle;
    return 0;
}
