// misbehaved: a child that fails at once, every time. The pod restarts it
// after each failure; the failed checks use up the allowance (3, 5 s apart)
// and after about 15 s the pod turns it off.
#include <ochopod/ochopod.h>

class Strategy : public ochopod::Piped {
 public:
  Strategy() {
    shell = true;
    checks = 3;
    check_every = std::chrono::seconds(5);
  }
  ochopod::Configuration configure(const ochopod::Cluster&) override {
    return {"echo kaboom && exit 1"};
  }
};

int main() { return ochopod::boot<Strategy>(); }
