#pragma once
// Splits a byte stream into lines, across reads.
//
// Lines end at '\n'; a trailing '\r' is removed and empty lines are skipped. A line longer than
// the limit is never buffered whole: its bytes are counted and dropped as they arrive, it is
// reported once with its full length, and the lines after it are delivered as usual. Memory per
// splitter is bounded by the limit. Not thread-safe; one instance per stream.

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

namespace agentrt::process {

class line_splitter {
 public:
  explicit line_splitter(std::size_t max_line_bytes) : max_line_(max_line_bytes) {}

  // Appends `data`; calls on_line(std::string_view) for each complete line and
  // on_oversize(std::size_t length) for each skipped line, in stream order. The views passed to
  // on_line are valid only during the call.
  template <class OnLine, class OnOversize>
  void feed(std::string_view data, OnLine&& on_line, OnOversize&& on_oversize) {
    while (!data.empty()) {
      const char* nl = static_cast<const char*>(std::memchr(data.data(), '\n', data.size()));
      if (nl == nullptr) {
        append_partial(data);
        return;
      }
      std::size_t n = static_cast<std::size_t>(nl - data.data());
      end_line(data.substr(0, n), on_line, on_oversize);
      data.remove_prefix(n + 1);
    }
  }

  // End of stream: what is buffered forms a last line.
  template <class OnLine, class OnOversize>
  void finish(OnLine&& on_line, OnOversize&& on_oversize) {
    if (!buffer_.empty() || discarded_ > 0) end_line({}, on_line, on_oversize);
  }

  // Bytes held for an incomplete line.
  std::size_t buffered() const { return buffer_.size(); }
  // The incomplete line itself (empty while an oversize line is being skipped).
  std::string_view pending() const { return buffer_; }

 private:
  void append_partial(std::string_view data) {
    if (discarded_ > 0 || buffer_.size() + data.size() > max_line_) {
      discarded_ += buffer_.size() + data.size();
      buffer_.clear();
      buffer_.shrink_to_fit();
      return;
    }
    buffer_.append(data);
  }

  template <class OnLine, class OnOversize>
  void end_line(std::string_view tail, OnLine& on_line, OnOversize& on_oversize) {
    std::size_t total = discarded_ + buffer_.size() + tail.size();
    bool oversize = discarded_ > 0 || total > max_line_;
    if (!oversize) {
      std::string_view line;
      if (buffer_.empty()) {
        line = tail;
      } else {
        buffer_.append(tail);
        line = buffer_;
      }
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!line.empty()) on_line(line);
    } else {
      on_oversize(total);
    }
    discarded_ = 0;
    buffer_.clear();
  }

  std::size_t max_line_;
  std::string buffer_;
  std::size_t discarded_ = 0;
};

}  // namespace agentrt::process
