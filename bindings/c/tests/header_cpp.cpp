// The header must compile as C++ too (only includes it and touches a few names).
#include "sesgo.h"

static_assert(SESGO_STATUS_OK == 0, "OK is zero");

int sesgo_header_cpp_check() {
  sesgo_bytes b{nullptr, 0};
  sesgo_bytes_free(b);
  return static_cast<int>(sesgo_abi_version()) - SESGO_ABI_VERSION;
}
