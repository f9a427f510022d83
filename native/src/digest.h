#ifndef SKERRY_DIGEST_H
#define SKERRY_DIGEST_H

#include <napi.h>
#include <openssl/evp.h>

#include <string>

namespace skerry {

// A digest context for the algorithm named by argument 0 ("sha256" or "sha512"); nullptr,
// with a JS exception pending, for any other name or when OpenSSL fails.
EVP_MD_CTX* NewDigestContext(const Napi::CallbackInfo& info);
// Lower-case hex of a digest's bytes.
std::string HexOf(const unsigned char* bytes, unsigned int length);

Napi::Value DigestCreate(const Napi::CallbackInfo& info);
Napi::Value DigestAppend(const Napi::CallbackInfo& info);
Napi::Value DigestFile(const Napi::CallbackInfo& info);
Napi::Value DigestHex(const Napi::CallbackInfo& info);

}  // namespace skerry

#endif
