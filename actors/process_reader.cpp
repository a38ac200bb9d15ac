#include "actors/process_reader.hpp"

#include <caf/all.hpp>

#include "actors/child_bridge.hpp"
#include "actors/unexpected.hpp"
#include "messages/type_ids.hpp"
#include "runtime/process/line_splitter.hpp"

namespace agentrt {

namespace {

struct process_reader_state {
  caf::actor adapter;
  caf::actor session;
  std::shared_ptr<child_slot> child;
  std::vector<process::line_splitter> splitters;  // indexed by output_stream
  std::size_t max_line = 0;
  int open_streams = 2;
  std::uint64_t generation = 0;

  static inline const char* name = "process_reader";
};

using reader_actor = caf::stateful_actor<process_reader_state>;

std::shared_ptr<const output_credit> credit_for(reader_actor* self, std::uint64_t bytes) {
  auto child = bytes > 0 ? self->state.child->get() : nullptr;
  if (!child) return nullptr;
  return std::make_shared<pipe_credit>(std::move(child), bytes);
}

// Sends the lines collected so far with the credit of `bytes`; without lines the credit goes back
// at once.
void flush(reader_actor* self, output_lines& batch, std::uint64_t bytes) {
  auto credit = credit_for(self, bytes);
  if (batch.lines.empty()) return;
  batch.credit = std::move(credit);
  self->send(self->state.adapter, std::move(batch));
  batch.lines.clear();
}

// Splits `bytes` (empty at end of stream) and hands on complete lines and oversize notices in
// stream order, with the credit of the bytes and of what was `charged` for them.
void split(reader_actor* self, output_stream stream, const std::string* bytes,
           std::uint64_t charged = 0) {
  auto& st = self->state;
  output_lines batch{stream, {}, nullptr};
  auto on_line = [&](std::string_view line) { batch.lines.emplace_back(line); };
  auto on_oversize = [&](std::size_t length) {
    flush(self, batch, 0);
    self->send(st.adapter, oversize_line{stream, length, st.max_line});
  };
  auto& splitter = st.splitters[static_cast<int>(stream)];
  if (bytes != nullptr)
    splitter.feed(*bytes, on_line, on_oversize);
  else
    splitter.finish(on_line, on_oversize);
  flush(self, batch, bytes != nullptr ? bytes->size() + charged : 0);
  constexpr std::size_t longest_prompt = 1024;
  if (bytes != nullptr && stream == output_stream::out && splitter.buffered() > 0 &&
      splitter.buffered() <= longest_prompt)
    self->send(st.adapter, output_partial{std::string{splitter.pending()}});
}

caf::behavior process_reader(reader_actor* self, caf::actor adapter,
                             std::shared_ptr<child_slot> child, std::size_t max_line_bytes,
                             std::uint64_t generation) {
  report_unexpected_on_stderr(self);
  auto& st = self->state;
  st.adapter = std::move(adapter);
  st.child = std::move(child);
  st.max_line = max_line_bytes;
  st.splitters.assign(2, process::line_splitter{max_line_bytes});
  st.generation = generation;
  return {
    [self](const output_chunk& chunk) { split(self, chunk.stream, &chunk.bytes, chunk.charged); },
    [self](const output_closed& closed) {
      split(self, closed.stream, nullptr);
      if (--self->state.open_streams > 0) return;
      self->send(self->state.adapter, output_drained{self->state.generation, {}});
      self->quit();
    },
  };
}

}  // namespace

caf::actor spawn_process_reader(caf::local_actor* session, caf::actor adapter,
                                std::shared_ptr<child_slot> child, std::size_t max_line_bytes,
                                std::uint64_t generation) {
  return session->spawn<caf::linked>(process_reader, std::move(adapter), std::move(child),
                                     max_line_bytes, generation);
}

}  // namespace agentrt
