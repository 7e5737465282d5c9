#include "emulators/transport/request_server.hpp"

#include <exception>

namespace hashsink::transport {

Status RequestServer::start(const std::string& bind, int port, Handler handler) {
    if (server_.running()) return Status::success();
    handler_ = std::move(handler);
    return server_.start(bind, port, [this](int fd) { handle(fd); });
}

std::optional<std::string> RequestServer::answer(const std::string& request,
                                                 const char* failure) const {
    try {
        return handler_(request);
    } catch (const std::exception&) {
        return std::string(failure);
    }
}

}  // namespace hashsink::transport
