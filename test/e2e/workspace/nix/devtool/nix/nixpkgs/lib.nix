{
  version = "23.11";
  trivial.release = "23.11";
}
