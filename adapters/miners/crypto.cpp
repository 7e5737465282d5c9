#include "adapters/miners/crypto.hpp"

#include <openssl/evp.h>

#include <memory>

namespace hashsink::miners::crypto {
namespace {

std::string digest(const EVP_MD* md, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_Digest(data.data(), data.size(), out, &n, md, nullptr) != 1) return {};
    return std::string(reinterpret_cast<const char*>(out), n);
}

std::optional<std::string> aes_ecb(std::string_view key, std::string_view in, bool encrypt) {
    if (key.size() != 32 || in.size() % 16 != 0) return std::nullopt;
    std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(),
                                                                        EVP_CIPHER_CTX_free);
    if (!ctx) return std::nullopt;
    const auto* k = reinterpret_cast<const unsigned char*>(key.data());
    if (EVP_CipherInit_ex(ctx.get(), EVP_aes_256_ecb(), nullptr, k, nullptr, encrypt ? 1 : 0) != 1)
        return std::nullopt;
    EVP_CIPHER_CTX_set_padding(ctx.get(), 0);
    std::string out(in.size() + 16, '\0');
    int n = 0, m = 0;
    auto* o = reinterpret_cast<unsigned char*>(out.data());
    if (EVP_CipherUpdate(ctx.get(), o, &n, reinterpret_cast<const unsigned char*>(in.data()),
                         static_cast<int>(in.size())) != 1)
        return std::nullopt;
    if (EVP_CipherFinal_ex(ctx.get(), o + n, &m) != 1) return std::nullopt;
    out.resize(static_cast<std::size_t>(n + m));
    return out;
}

constexpr const char* kItoa64 =
    "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

void to64(std::string& out, unsigned long v, int n) {
    while (n-- > 0) {
        out += kItoa64[v & 0x3f];
        v >>= 6;
    }
}

}  // namespace

std::string md5(std::string_view data) { return digest(EVP_md5(), data); }
std::string sha256(std::string_view data) { return digest(EVP_sha256(), data); }

std::string hex(std::string_view bytes) {
    static const char* kHex = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
    return out;
}

std::string base64_encode(std::string_view bytes) {
    static const char* kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                     (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                     static_cast<unsigned char>(bytes[i + 2]);
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += kAlphabet[v & 63];
    }
    if (i < bytes.size()) {
        unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
        if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    std::string out;
    unsigned v = 0;
    int bits = 0;
    for (char c : text) {
        int d = -1;
        if (c >= 'A' && c <= 'Z') d = c - 'A';
        else if (c >= 'a' && c <= 'z') d = c - 'a' + 26;
        else if (c >= '0' && c <= '9') d = c - '0' + 52;
        else if (c == '+') d = 62;
        else if (c == '/') d = 63;
        else if (c == '=') break;
        else if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
        else return std::nullopt;
        v = (v << 6) | static_cast<unsigned>(d);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((v >> bits) & 0xff);
        }
    }
    return out;
}

std::optional<std::string> aes256_ecb_encrypt(std::string_view key, std::string_view plain) {
    std::string padded(plain);
    while (padded.size() % 16 != 0) padded += '\0';
    return aes_ecb(key, padded, true);
}

std::optional<std::string> aes256_ecb_decrypt(std::string_view key, std::string_view cipher) {
    return aes_ecb(key, cipher, false);
}

std::string md5_crypt(std::string_view password, std::string_view salt) {
    constexpr std::string_view kMagic = "$1$";
    if (salt.substr(0, kMagic.size()) == kMagic) salt.remove_prefix(kMagic.size());
    if (auto dollar = salt.find('$'); dollar != std::string_view::npos) salt = salt.substr(0, dollar);
    salt = salt.substr(0, 8);
    const std::string pw(password), s(salt);

    std::string alt = md5(pw + s + pw);
    std::string ctx = pw + std::string(kMagic) + s;
    for (std::size_t pl = pw.size(); pl > 0; pl -= std::min<std::size_t>(pl, 16))
        ctx.append(alt, 0, std::min<std::size_t>(pl, 16));
    for (std::size_t i = pw.size(); i != 0; i >>= 1)
        ctx += (i & 1) ? '\0' : (pw.empty() ? '\0' : pw[0]);
    std::string fin = md5(ctx);
    for (int i = 0; i < 1000; ++i) {
        std::string c;
        c += (i & 1) ? pw : fin;
        if (i % 3) c += s;
        if (i % 7) c += pw;
        c += (i & 1) ? fin : pw;
        fin = md5(c);
    }
    auto b = [&](int i) { return static_cast<unsigned long>(static_cast<unsigned char>(fin[i])); };
    std::string out = std::string(kMagic) + s + "$";
    to64(out, (b(0) << 16) | (b(6) << 8) | b(12), 4);
    to64(out, (b(1) << 16) | (b(7) << 8) | b(13), 4);
    to64(out, (b(2) << 16) | (b(8) << 8) | b(14), 4);
    to64(out, (b(3) << 16) | (b(9) << 8) | b(15), 4);
    to64(out, (b(4) << 16) | (b(10) << 8) | b(5), 4);
    to64(out, b(11), 2);
    return out;
}

std::string md5_crypt_hash(std::string_view password, std::string_view salt) {
    std::string full = md5_crypt(password, salt);
    auto pos = full.rfind('$');
    return full.substr(pos + 1);
}

}  // namespace hashsink::miners::crypto
