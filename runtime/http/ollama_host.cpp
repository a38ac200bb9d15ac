#include "runtime/http/ollama_host.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <thread>

#include "runtime/process/line_splitter.hpp"

namespace agentrt::http {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using json = nlohmann::json;
using process::pipe_stream;

struct endpoint {
  std::string host, port, error;
};

endpoint parse_host(const std::string& url) {
  std::string rest = url;
  if (rest.rfind("http://", 0) == 0)
    rest = rest.substr(7);
  else if (rest.find("://") != std::string::npos)
    return {{}, {}, "only http:// Ollama hosts are supported, not " + url};
  rest = rest.substr(0, rest.find('/'));
  auto colon = rest.rfind(':');
  if (rest.empty()) return {{}, {}, "no Ollama host in \"" + url + "\""};
  if (colon == std::string::npos) return {rest, "11434", {}};
  return {rest.substr(0, colon), rest.substr(colon + 1), {}};
}

// The error with its errno name, so that it is classified (network errors are retried).
std::string describe(const beast::error_code& ec) {
  std::string name;
  if (ec == net::error::connection_refused)
    name = "ECONNREFUSED";
  else if (ec == net::error::connection_reset || ec == net::error::eof ||
           ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message)
    name = "ECONNRESET";
  else if (ec == beast::error::timeout || ec == net::error::timed_out)
    name = "ETIMEDOUT";
  return name.empty() ? ec.message() : name + ": " + ec.message();
}

std::string error_line(const std::string& text) {
  return json{{"error", text}}.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace

// One chat: health check, then the streaming request. Runs on the host's thread; the
// running_agent calls come from any thread and are posted there.
class chat final : public process::running_agent, public std::enable_shared_from_this<chat> {
 public:
  chat(net::io_context& io, chat_request request, std::shared_ptr<process::agent_observer> obs,
       const ollama_options& opts)
      : io_(io),
        resolver_(io),
        stream_(io),
        request_(std::move(request)),
        observer_(std::move(obs)),
        opts_(opts),
        splitter_(16 * 1024 * 1024) {}

  pid_t pid() const override { return 0; }
  bool signal_group(int sig) override {
    if (finished_) return false;
    net::post(io_, [self = shared_from_this(), sig] { self->cancel(sig); });
    return true;
  }
  void release(std::size_t bytes) override {
    std::size_t after = unconsumed_.fetch_sub(bytes) - bytes;
    if (paused_ && after <= opts_.flow_window_bytes / 2)
      net::post(io_, [self = shared_from_this()] { self->resume(); });
  }
  void charge(std::size_t bytes) override { unconsumed_ += bytes; }
  void close_output() override { signal_group(0); }
  void write_input(std::string) override {}
  void close_input() override {}

  void run() {
    observer_->on_output_closed(pipe_stream::err);  // a stream has no stderr
    auto where = parse_host(request_.host);
    if (!where.error.empty()) return fail(where.error);
    host_header_ = where.host + ":" + where.port;
    resolver_.async_resolve(where.host, where.port,
                            [self = shared_from_this()](beast::error_code ec, auto results) {
                              self->on_resolved(ec, results);
                            });
  }

  void cancel(int sig) {
    if (finished_) return;
    cancelled_signal_ = sig == 0 ? SIGTERM : sig;
    if (paused_) return finish(-1, cancelled_signal_);
    beast::error_code ignored;
    resolver_.cancel();
    stream_.socket().close(ignored);  // the pending operation completes as aborted
  }

 private:
  bool stopped(const beast::error_code& ec) {
    if (cancelled_signal_ != 0) {
      finish(-1, cancelled_signal_);
      return true;
    }
    if (ec) {
      fail("Ollama at " + request_.host + " " + stage_ + ": " + describe(ec));
      return true;
    }
    return false;
  }

  void on_resolved(beast::error_code ec, const tcp::resolver::results_type& results) {
    stage_ = "is not reachable";
    if (stopped(ec)) return;
    stream_.expires_after(opts_.connect_timeout);
    stream_.async_connect(results, [self = shared_from_this()](beast::error_code ec, auto&&) {
      self->health_check(ec);
    });
  }

  void health_check(beast::error_code ec) {
    if (stopped(ec)) return;
    stage_ = "did not answer the health check (GET /api/version)";
    version_request_ = {bhttp::verb::get, "/api/version", 11};
    version_request_.set(bhttp::field::host, host_header_);
    version_request_.keep_alive(true);
    stream_.expires_after(opts_.connect_timeout);
    bhttp::async_write(
      stream_, version_request_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (self->stopped(ec)) return;
        self->stream_.expires_after(self->opts_.connect_timeout);
        bhttp::async_read(self->stream_, self->buffer_, self->version_,
                          [self](beast::error_code ec, std::size_t) { self->on_version(ec); });
      });
  }

  void on_version(beast::error_code ec) {
    if (stopped(ec)) return;
    if (version_.result_int() / 100 != 2)
      return fail("Ollama health check failed (" + std::to_string(version_.result_int()) +
                  "): " + version_.body());
    deliver(json{{"type", "system"},
                 {"subtype", "init"},
                 {"session_id", request_.session_id},
                 {"model", request_.model},
                 {"cwd", request_.cwd}}
              .dump() +
            "\n");
    post_chat();
  }

  void post_chat() {
    json messages = json::array();
    if (!request_.system_prompt.empty())
      messages.push_back({{"role", "system"}, {"content", request_.system_prompt}});
    if (request_.history)
      for (const auto& [role, content] : request_.history->messages())
        messages.push_back({{"role", role}, {"content", content}});
    messages.push_back({{"role", "user"}, {"content", request_.prompt}});
    chat_request_ = {bhttp::verb::post, "/api/chat", 11};
    chat_request_.set(bhttp::field::host, host_header_);
    chat_request_.set(bhttp::field::content_type, "application/json");
    chat_request_.body() = json{
      {"model", request_.model},
      {"messages", messages},
      {"stream", true},
      {"options", {{"num_ctx", 32768}}},
      {"think", false}}.dump();
    chat_request_.prepare_payload();
    stage_ = "failed during the chat";
    stream_.expires_after(opts_.read_timeout);
    bhttp::async_write(stream_, chat_request_,
                       [self = shared_from_this()](beast::error_code ec, std::size_t) {
                         if (self->stopped(ec)) return;
                         self->parser_.body_limit(boost::none);
                         self->stream_.expires_after(self->opts_.read_timeout);
                         bhttp::async_read_header(
                           self->stream_, self->buffer_, self->parser_,
                           [self](beast::error_code ec, std::size_t) { self->on_header(ec); });
                       });
  }

  void on_header(beast::error_code ec) {
    if (stopped(ec)) return;
    status_ = parser_.get().result_int();
    read_body();
  }

  void read_body() {
    if (parser_.is_done()) return end_of_body();
    parser_.get().body().data = chunk_;
    parser_.get().body().size = sizeof chunk_;
    stream_.expires_after(opts_.read_timeout);
    bhttp::async_read_some(
      stream_, buffer_, parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec == bhttp::error::need_buffer) ec = {};
        if (self->stopped(ec)) return;
        self->on_body_bytes(sizeof self->chunk_ - self->parser_.get().body().size);
      });
  }

  void on_body_bytes(std::size_t n) {
    std::string bytes{chunk_, n};
    if (status_ / 100 != 2) {
      error_body_ += bytes;
    } else if (n > 0) {
      splitter_.feed(
        bytes, [this](std::string_view line) { inspect(line); }, [](std::size_t) {});
      deliver(std::move(bytes));
    }
    if (paused_) return;  // resume() reads on
    read_body();
  }

  // What the runtime itself needs from a response line: the reply text, the end, an error.
  void inspect(std::string_view line) {
    json j = json::parse(line.begin(), line.end(), nullptr, false);
    if (!j.is_object()) return;
    if (j.contains("error")) saw_error_ = true;
    if (auto m = j.find("message"); m != j.end() && m->is_object())
      if (auto c = m->find("content"); c != m->end() && c->is_string())
        reply_ += c->get<std::string>();
    if (j.value("done", false)) {
      saw_done_ = true;
      done_error_ = j.value("done_reason", "") == "error";
    }
  }

  void end_of_body() {
    if (status_ / 100 != 2)
      return fail("Ollama error (" + std::to_string(status_) + "): " + error_body_);
    splitter_.finish([this](std::string_view line) { inspect(line); }, [](std::size_t) {});
    if (!saw_done_ && !saw_error_) return fail("the Ollama stream ended without its done line");
    bool ok = saw_done_ && !saw_error_ && !done_error_;
    if (ok && request_.history) {
      request_.history->add("user", request_.prompt);
      request_.history->add("assistant", reply_);
    }
    finish(ok ? 0 : 1, 0);
  }

  void deliver(std::string bytes) {
    if (bytes.empty() || finished_) return;
    unconsumed_ += bytes.size();
    observer_->on_output(pipe_stream::out, std::move(bytes));
    if (unconsumed_ >= opts_.flow_window_bytes) paused_ = true;
  }

  void resume() {
    if (!paused_ || finished_) return;
    paused_ = false;
    if (cancelled_signal_ != 0) return finish(-1, cancelled_signal_);
    read_body();
  }

  void fail(const std::string& text) {
    deliver(error_line(text));
    finish(1, 0);
  }

  void finish(int code, int sig) {
    if (finished_) return;
    finished_ = true;
    beast::error_code ignored;
    stream_.socket().close(ignored);
    // Dropped here: the observer holds (through the session) this chat, and the cycle must end.
    auto observer = std::move(observer_);
    observer->on_output_closed(pipe_stream::out);
    observer->on_exited(code, sig);
  }

  net::io_context& io_;
  tcp::resolver resolver_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  chat_request request_;
  std::shared_ptr<process::agent_observer> observer_;
  ollama_options opts_;
  std::string host_header_;
  std::string stage_ = "is not reachable";
  bhttp::request<bhttp::empty_body> version_request_;
  bhttp::response<bhttp::string_body> version_;
  bhttp::request<bhttp::string_body> chat_request_;
  bhttp::response_parser<bhttp::buffer_body> parser_;
  char chunk_[16384];
  unsigned status_ = 0;
  std::string error_body_;
  process::line_splitter splitter_;
  std::string reply_;
  bool saw_done_ = false, saw_error_ = false, done_error_ = false;
  std::atomic<std::size_t> unconsumed_{0};
  std::atomic<bool> paused_{false};
  std::atomic<bool> finished_{false};
  int cancelled_signal_ = 0;
};

class ollama_host::impl {
 public:
  explicit impl(const ollama_options& opts) : opts_(opts), work_(io_.get_executor()) {
    thread_ = std::thread{[this] { io_.run(); }};
  }

  ~impl() {
    net::post(io_, [this] {
      for (auto& weak : chats_)
        if (auto c = weak.lock()) c->cancel(SIGKILL);
    });
    work_.reset();
    thread_.join();
  }

  void start(chat_request request, std::shared_ptr<process::agent_observer> observer) {
    net::post(io_, [this, request = std::move(request), observer = std::move(observer)]() mutable {
      auto c = std::make_shared<chat>(io_, std::move(request), observer, opts_);
      chats_.erase(
        std::remove_if(chats_.begin(), chats_.end(), [](const auto& w) { return w.expired(); }),
        chats_.end());
      chats_.push_back(c);
      observer->on_started(c);
      c->run();
    });
  }

 private:
  ollama_options opts_;
  net::io_context io_;
  net::executor_work_guard<net::io_context::executor_type> work_;
  std::vector<std::weak_ptr<chat>> chats_;  // the host's thread only
  std::thread thread_;
};

ollama_host::ollama_host(ollama_options opts) : impl_(std::make_unique<impl>(opts)) {}

ollama_host::~ollama_host() = default;

void ollama_host::start(chat_request request, std::shared_ptr<process::agent_observer> observer) {
  impl_->start(std::move(request), std::move(observer));
}

std::string ollama_host_for(const std::string& configured, const std::string& env_value) {
  if (!configured.empty()) return configured;
  if (!env_value.empty())
    return env_value.find("://") == std::string::npos ? "http://" + env_value : env_value;
  return "http://127.0.0.1:11434";
}

}  // namespace agentrt::http
