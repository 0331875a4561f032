package io.openkruise.agents.envd.connect;

/** A request body that is not a sequence of whole, size-bounded Connect envelopes. */
public final class MalformedEnvelopeException extends IllegalArgumentException {

  private final boolean tooLarge;

  MalformedEnvelopeException(boolean tooLarge, String message) {
    super(message);
    this.tooLarge = tooLarge;
  }

  /** A declared length exceeded the limit (Connect's {@code resource_exhausted}). */
  public boolean tooLarge() {
    return tooLarge;
  }
}
