// The header must compile as C++ too (only includes it and touches a few names).
#include "sesgo.h"

static_assert(SESGO_STATUS_OK == 0, "OK is zero");

static int cpp_callback(void *, const uint8_t *, size_t, sesgo_bytes *out) {
  return static_cast<int>(sesgo_bytes_set(out, nullptr, 0));
}

int sesgo_header_cpp_check() {
  sesgo_bytes b{nullptr, 0};
  sesgo_bytes_free(b);
  sesgo_verify_input in{};
  sesgo_trust_store *ts = nullptr;
  sesgo_signer *s = nullptr;
  sesgo_sign_callback cb = cpp_callback;
  (void)sesgo_signer_external(nullptr, 0, cb, nullptr, &s, nullptr);
  (void)sesgo_verify(ts, &in, nullptr, 0, &b, nullptr);
  sesgo_signer_free(s);
  sesgo_trust_store_free(ts);
  return static_cast<int>(sesgo_abi_version()) - SESGO_ABI_VERSION;
}
