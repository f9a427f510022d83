{
  "targets": [
    {
      "target_name": "skerry",
      "sources": ["src/addon.cc", "src/probe.cc", "src/child-steps.cc", "src/parse-steps.cc", "src/syserror.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-O2"]
    }
  ]
}
