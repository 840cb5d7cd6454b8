{
  version = "24.05";
  trivial.release = "24.05";
}
