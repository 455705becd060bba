package io.github.eventbus;

/**
 * 64 bytes of padding before the fields of a subclass, so that no object the allocator or the
 * garbage collector puts before it shares a cache line with them. HotSpot lays out a superclass's
 * fields before a subclass's, and fills a gap only with a field that fits it, hence the int beside
 * the run of longs. Padding after the fields is declared the same way, in a subclass of the class
 * that holds them: a nested {@code Padded} class, the one that is instantiated ({@link Mailbox},
 * {@link MailboxQueue}, {@link InFlight.Slot}), or a class between the fields and the rest
 * ({@link MailboxQueue.Chunk}).
 */
@SuppressWarnings("unused")
abstract class PaddedBefore {
  int g0;
  long p0, p1, p2, p3, p4, p5, p6, p7;
}
