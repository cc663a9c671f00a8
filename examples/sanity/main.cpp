// sanity: a health check that always fails. With 3 checks allowed 5 s apart,
// the pod turns its child off after about 15 s (process "stopped") and stays
// configured.
#include <ochopod/ochopod.h>

#include <stdexcept>

class Strategy : public ochopod::Piped {
 public:
  Strategy() {
    checks = 3;
    check_every = std::chrono::seconds(5);
  }
  ochopod::Configuration configure(const ochopod::Cluster&) override { return {"sleep 3600"}; }
  std::optional<nlohmann::json> sanity_check(const ochopod::Process&) override {
    throw std::runtime_error("I always fail");
  }
};

int main() { return ochopod::boot<Strategy>(); }
