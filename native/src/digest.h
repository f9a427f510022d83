#ifndef SKERRY_DIGEST_H
#define SKERRY_DIGEST_H

#include <napi.h>
#include <openssl/evp.h>

#include <string>

namespace skerry {

// EVP's sha256 or sha512 for the name; nullptr for any other name.
const EVP_MD* DigestByName(const std::string& name);
// Lower-case hex of a digest's bytes.
std::string HexOf(const unsigned char* bytes, unsigned int length);

Napi::Value DigestCreate(const Napi::CallbackInfo& info);
Napi::Value DigestAppend(const Napi::CallbackInfo& info);
Napi::Value DigestFile(const Napi::CallbackInfo& info);
Napi::Value DigestHex(const Napi::CallbackInfo& info);

}  // namespace skerry

#endif
