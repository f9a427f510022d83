{
  "targets": [
    {
      "target_name": "skerry",
      "sources": ["src/addon.cc", "src/probe.cc", "src/child-steps.cc", "src/parse-steps.cc", "src/syserror.cc", "src/spawn.cc", "src/fsops.cc", "src/netns.cc", "src/netlink.cc", "src/netlink-steps.cc", "src/quota.cc", "src/malloc-tuning.cc", "src/digest.cc", "src/digest-feed.cc", "src/file-writer.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "shim"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-O2"]
    },
    {
      "target_name": "skerry-shim",
      "type": "executable",
      "sources": ["shim/main.c", "shim/plan.c", "shim/steps.c", "shim/root.c", "shim/mounts.c",
                  "shim/devices.c", "shim/creds.c", "shim/logging.c", "shim/supervise.c"],
      "cflags!": ["-fno-exceptions", "-pthread"],
      "cflags_c": ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-fno-stack-protector"],
      "ldflags": ["-static", "-s"],
      "libraries!": ["-pthread"],
      "ldflags!": ["-pthread", "-rdynamic"]
    }
  ]
}
