system: {
  hello = { name = "hello-2.12.1"; version = "2.12.1"; inherit system; };
  jq = { name = "jq-1.7.1"; version = "1.7.1"; inherit system; };
}
