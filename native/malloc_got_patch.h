// Hooking without a restart: points the GOT slots (and the data relocations) that
// name malloc & co. in every loaded object at our hooks, and puts them back.
// Verified on Node 20-26: docs/design/native-memory.md.
#pragma once

#include <string>

namespace allocscope {
namespace malloc_got_patch {

// Finds the real functions (once per process). False with `why` when this process
// cannot be hooked: a static binary, no glibc, or no malloc/free slot to patch.
bool ResolveReal(std::string* why);
// Patches every loaded object except ours and the loader. Returns the number of
// slots patched; 0 with `why` when malloc and free could not both be reached.
int PatchAll(std::string* why);
// Puts back every slot that still holds our hook. Returns the number restored.
int RestoreAll();
// From the dlopen hook: patches objects loaded since (only while patched).
void PatchNewObjects();
// From the dlclose hook: closes `handle` and forgets the slots of objects gone.
int CloseObject(void* handle, int (*real_dlclose)(void*));

struct Figures {
  int slots;
  int objects;
};
Figures Read();

}  // namespace malloc_got_patch
}  // namespace allocscope
