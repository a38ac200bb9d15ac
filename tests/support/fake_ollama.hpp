#pragma once
// A small Ollama-compatible HTTP server on loopback for tests: GET /api/version and a streaming
// POST /api/chat whose behaviour each test picks. Serves one connection at a time on its thread.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace agentrt::test {

class fake_ollama {
 public:
  enum class mode {
    chat,        // "Hello", " world", then done with counts
    error_line,  // a chunk, then {"error": ...}
    http_500,    // 500 with a body
    reset,       // a chunk, then the connection is reset
    drip,        // one chunk every 200 ms, 50 of them
    silent,      // accepts, never answers
  };

  explicit fake_ollama(mode m)
      : mode_(m), acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread{[this] { serve(); }};
  }

  // Shuts the sockets down (which wakes the serving thread's blocking calls) rather than closing
  // them under that thread, and closes them once it is gone.
  ~fake_ollama() {
    stopping_ = true;
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    {
      std::lock_guard<std::mutex> g{mutex_};
      if (current_ != nullptr) ::shutdown(current_->native_handle(), SHUT_RDWR);
    }
    thread_.join();
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  }

  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }

  // The bodies of the POST /api/chat requests received so far.
  std::vector<std::string> chat_bodies() const {
    std::lock_guard<std::mutex> g{mutex_};
    return bodies_;
  }

 private:
  using tcp = boost::asio::ip::tcp;

  void serve() {
    while (!stopping_) {
      tcp::socket socket{io_};
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec) return;
      {
        std::lock_guard<std::mutex> g{mutex_};
        current_ = &socket;
      }
      serve_connection(socket);
      std::lock_guard<std::mutex> g{mutex_};
      current_ = nullptr;
    }
  }

  void serve_connection(tcp::socket& socket) {
    namespace http = boost::beast::http;
    boost::beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> req;
      boost::system::error_code ec;
      if (mode_ == mode::silent) {  // read, never answer, until the client gives up
        char sink[4096];
        while (!stopping_ && socket.read_some(boost::asio::buffer(sink), ec) > 0 && !ec) {
        }
        return;
      }
      http::read(socket, buffer, req, ec);
      if (ec) return;
      if (req.target() == "/api/version") {
        http::response<http::string_body> res{http::status::ok, 11};
        res.set(http::field::content_type, "application/json");
        res.body() = R"({"version":"0.6.4"})";
        res.keep_alive(true);
        res.prepare_payload();
        http::write(socket, res, ec);
        if (ec) return;
        continue;
      }
      {
        std::lock_guard<std::mutex> g{mutex_};
        bodies_.push_back(req.body());
      }
      if (mode_ == mode::http_500) {
        http::response<http::string_body> res{http::status::internal_server_error, 11};
        res.body() = R"({"error":"model 'nope' not found"})";
        res.keep_alive(false);
        res.prepare_payload();
        http::write(socket, res, ec);
        return;
      }
      stream_chat(socket);
      return;
    }
  }

  void stream_chat(tcp::socket& socket) {
    namespace http = boost::beast::http;
    http::response<http::empty_body> res{http::status::ok, 11};
    res.set(http::field::content_type, "application/x-ndjson");
    res.chunked(true);
    http::response_serializer<http::empty_body> head{res};
    boost::system::error_code ec;
    http::write_header(socket, head, ec);
    auto chunk = [&](const std::string& line) {
      boost::asio::write(socket, http::make_chunk(boost::asio::buffer(line + "\n")), ec);
      return !ec;
    };
    auto piece = [](const char* text) {
      return std::string{R"({"model":"qwen3:8b","message":{"role":"assistant","content":")"} +
             text + R"("},"done":false})";
    };
    switch (mode_) {
      case mode::chat:
        chunk(piece("Hello")) && chunk(piece(" world")) &&
          chunk(
            R"({"model":"qwen3:8b","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","prompt_eval_count":500,"eval_count":120,"eval_duration":2000000000})");
        break;
      case mode::error_line:
        chunk(piece("Hel")) && chunk(R"({"error":"model ran out of memory"})");
        break;
      case mode::reset: {
        chunk(piece("Hel"));
        socket.set_option(boost::asio::socket_base::linger{true, 0}, ec);
        socket.close(ec);  // RST
        return;
      }
      case mode::drip:
        for (int i = 0; i < 50 && !stopping_; ++i) {
          if (!chunk(piece("."))) return;
          std::this_thread::sleep_for(std::chrono::milliseconds{200});
        }
        break;
      default:
        break;
    }
    boost::asio::write(socket, http::make_chunk_last(), ec);
  }

  mode mode_;
  boost::asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  tcp::socket* current_ = nullptr;
  std::vector<std::string> bodies_;
};

}  // namespace agentrt::test
