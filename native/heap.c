/*
 * The Lua allocator (lua_Alloc) with a byte budget: Lua's heap limit with Lua's own
 * semantics. A request that would take the live total past the limit returns NULL, so Lua
 * runs an emergency collection, retries, and only then raises "not enough memory", which a
 * pcall can catch. Blocks come from the wasm module's own malloc, imported from it, so
 * memory allocated before the switch is freed correctly; the budget starts from the count
 * the runtime measures at the switch.
 *
 * The budget lives in wasm memory so that JS can read the total and charge buffers it holds
 * on Lua's behalf to the same count.
 */
#include "native.h"

typedef struct Budget {
  double used;  /* bytes live now, Lua's blocks plus what JS charged */
  double limit; /* a request past this fails */
} Budget;

EXPORT("assay_alloc")
void *assay_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  Budget *budget = ud;
  /* With ptr NULL, osize is the kind of object being made, not a size. */
  size_t old = ptr ? osize : 0;
  if (nsize == 0) {
    free(ptr);
    budget->used -= (double)old;
    return 0;
  }
  if (nsize > old && budget->used + (double)(nsize - old) > budget->limit) return 0;
  void *block = realloc(ptr, nsize);
  if (block) budget->used += (double)nsize - (double)old;
  return block;
}
