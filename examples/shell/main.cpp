// shell: a child run through /bin/sh whose output lands in the pod log. It
// says hello after $LAPSE seconds and exits 0, so the pod finalizes and idles
// (process "dead") while /info and /log keep answering.
#include <ochopod/ochopod.h>

class Strategy : public ochopod::Piped {
 public:
  Strategy() {
    shell = true;
    pipe_subprocess = true;
  }
  ochopod::Configuration configure(const ochopod::Cluster&) override {
    return {"sleep $LAPSE && echo 'hello world' && exit 0", {{"LAPSE", "5"}}};
  }
};

int main() { return ochopod::boot<Strategy>(); }
