system: {
  hello = { name = "hello-2.12.1"; version = "2.12.1"; inherit system; };
  jq = { name = "jq-1.6"; version = "1.6"; inherit system; };
}
