// Sign and verify a FHIR Bundle with sesgo from C++17, using only sesgo.h: every handle
// and buffer owned by a RAII type, every failure a `sesgo_failure` exception carrying the
// guide's code.
//
// Build:  c++ -std=c++17 sign_verify.cpp $(pkg-config --cflags --libs sesgo) -o sign_verify
// Run:    SESGO_P12_PASSWORD=... ./sign_verify CERT.p12 ROOT_SHA256 CHAIN.pem
//             bundle.json provenance.json [TRANSFER_OUT.json]
//
// ROOT_SHA256 is the SHA-256 (hex) of the root certificate you trust, CHAIN.pem the
// intermediate CA certificates that complete the signer's chain. `cargo xtask test c`
// builds it against `cargo xtask install --prefix` and runs it with the test PKI.
#include <sesgo.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace {

// A sesgo failure: the status and the guide's code, location and diagnostics.
class sesgo_failure : public std::runtime_error {
 public:
  sesgo_failure(const char *what, sesgo_status st, sesgo_error *err)
      : std::runtime_error(describe(what, st, err)), code_(sesgo_error_code(err)) {
    sesgo_error_free(err);
  }
  const std::string &code() const noexcept { return code_; }

 private:
  static std::string describe(const char *what, sesgo_status st, const sesgo_error *err) {
    return std::string(what) + ": " + sesgo_status_name(st) + " (" + sesgo_error_code(err) +
           ") at '" + sesgo_error_location(err) + "': " + sesgo_error_diagnostics(err);
  }
  std::string code_;
};

// Throws when `st` is not OK. `err` is taken by reference: it is read after the call
// that filled it has returned (an argument copied by value could be read before).
void check(const char *what, sesgo_status st, sesgo_error *&err) {
  if (st != SESGO_STATUS_OK) {
    sesgo_error *owned = err;
    err = nullptr;
    throw sesgo_failure(what, st, owned);
  }
}

struct signer_free {
  void operator()(sesgo_signer *s) const noexcept { sesgo_signer_free(s); }
};
struct trust_store_free {
  void operator()(sesgo_trust_store *t) const noexcept { sesgo_trust_store_free(t); }
};
using signer_ptr = std::unique_ptr<sesgo_signer, signer_free>;
using trust_store_ptr = std::unique_ptr<sesgo_trust_store, trust_store_free>;

// A buffer sesgo allocated, released (and wiped) by sesgo_bytes_free.
class bytes {
 public:
  bytes() = default;
  bytes(const bytes &) = delete;
  bytes &operator=(const bytes &) = delete;
  ~bytes() { sesgo_bytes_free(b_); }
  sesgo_bytes *out() noexcept { return &b_; }
  std::string_view view() const noexcept {
    return {reinterpret_cast<const char *>(b_.data), b_.len};
  }

 private:
  sesgo_bytes b_{nullptr, 0};
};

// The four exact outputs of sesgo_sign_parts.
class signed_parts {
 public:
  signed_parts() = default;
  signed_parts(const signed_parts &) = delete;
  signed_parts &operator=(const signed_parts &) = delete;
  ~signed_parts() { sesgo_signed_free(&s_); }
  sesgo_signed *out() noexcept { return &s_; }
  const sesgo_bytes &bundle() const noexcept { return s_.bundle; }
  const sesgo_bytes &warnings() const noexcept { return s_.warnings; }

 private:
  sesgo_signed s_{};
};

std::string read_file(const char *path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(std::string("não foi possível ler ") + path);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// `s` as a JSON string literal (PEM text: printable ASCII and line breaks).
std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c != '\r') {
      out += c;
    }
  }
  return out + "\"";
}

const std::uint8_t *u8(std::string_view s) noexcept {
  return reinterpret_cast<const std::uint8_t *>(s.data());
}

// Sign and verify options: revocationPolicy "warn", so the example also runs where the
// OCSP/CRL responders named in the certificates cannot be reached (the default "strict"
// makes that an error, at signing and at verification).
constexpr std::string_view options = R"({"settings":{"revocationPolicy":"warn"}})";

int run(char **argv) {
  const char *password = std::getenv("SESGO_P12_PASSWORD");
  if (password == nullptr) {
    std::cerr << "defina SESGO_P12_PASSWORD\n";
    return 2;
  }
  if (sesgo_abi_version() != SESGO_ABI_VERSION) {
    std::cerr << "libsesgo com ABI " << sesgo_abi_version() << ", sesgo.h com ABI "
              << SESGO_ABI_VERSION << "\n";
    return 2;
  }
  std::cout << "sesgo " << sesgo_version() << " (ABI " << sesgo_abi_version() << ")\n";

  const std::string p12 = read_file(argv[1]);
  const std::string chain = read_file(argv[3]);
  const std::string bundle = read_file(argv[4]);
  const std::string provenance = read_file(argv[5]);

  // 1. The signer: a PKCS#12 (A1 certificate) and its password.
  sesgo_error *err = nullptr;
  sesgo_signer *raw_signer = nullptr;
  check("sesgo_signer_from_pkcs12",
        sesgo_signer_from_pkcs12(u8(p12), p12.size(), password, nullptr, &raw_signer, &err),
        err);
  const signer_ptr signer(raw_signer);

  // 2. The trust store: the root by fingerprint, the intermediate CAs as PEM.
  const std::string trust_options = std::string(R"({"rootSha256":[)") + json_string(argv[2]) +
                                    R"(],"caCertsPem":)" + json_string(chain) + "}";
  sesgo_trust_store *raw_trust = nullptr;
  check("sesgo_trust_store_new",
        sesgo_trust_store_new(u8(trust_options), trust_options.size(), &raw_trust, &err), err);
  const trust_store_ptr trust(raw_trust);

  // 3. Sign: each output its own exact bytes (store and send them as they are).
  signed_parts parts;
  check("sesgo_sign_parts",
        sesgo_sign_parts(signer.get(), trust.get(), u8(bundle), bundle.size(), u8(provenance),
                         provenance.size(), u8(options), options.size(), parts.out(), &err),
        err);
  std::cout << "assinado: Bundle de transferência com " << parts.bundle().len << " bytes\n";
  if (parts.warnings().data != nullptr) {
    std::cout << "avisos: "
              << std::string_view(reinterpret_cast<const char *>(parts.warnings().data),
                                  parts.warnings().len)
              << "\n";
  }
  if (argv[6] != nullptr) {
    std::ofstream out(argv[6], std::ios::binary);
    out.write(reinterpret_cast<const char *>(parts.bundle().data),
              static_cast<std::streamsize>(parts.bundle().len));
    if (!out) throw std::runtime_error(std::string("não foi possível gravar ") + argv[6]);
  }

  // 4. Verify the transfer Bundle, exactly the bytes sesgo produced.
  sesgo_verify_input in{};
  in.bundle = parts.bundle().data;
  in.bundle_len = parts.bundle().len;
  bytes result;
  check("sesgo_verify",
        sesgo_verify(trust.get(), &in, u8(options), options.size(), result.out(), &err), err);
  // {"valid":true|false,...,"outcome":{OperationOutcome}}
  std::cout << result.view() << "\n";
  const bool valid = result.view().rfind(R"({"valid":true)", 0) == 0;
  std::cout << (valid ? "assinatura válida" : "assinatura inválida") << "\n";
  return valid ? 0 : 1;
}

}  // namespace

int main(int argc, char **argv) {
  if (argc != 6 && argc != 7) {
    std::cerr << "uso: " << argv[0]
              << " CERT.p12 ROOT_SHA256 CHAIN.pem bundle.json provenance.json"
                 " [TRANSFER_OUT.json]\n";
    return 2;
  }
  try {
    return run(argv);
  } catch (const sesgo_failure &e) {
    std::cerr << "falha: " << e.what() << "\n";
    return 1;
  } catch (const std::exception &e) {
    std::cerr << "erro: " << e.what() << "\n";
    return 2;
  }
}
