package io.openkruise.agents.manager.network;

/**
 * Egress rules this installation cannot accept (malformed, or something a NetworkPolicy cannot
 * enforce); the message names the field. The API answers it 400 with the message.
 */
public final class InvalidNetworkRules extends IllegalArgumentException {

  public InvalidNetworkRules(String message) {
    super(message);
  }
}
