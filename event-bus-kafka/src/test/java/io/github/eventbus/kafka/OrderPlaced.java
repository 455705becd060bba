package io.github.eventbus.kafka;

import io.github.eventbus.EventType;

/** A typed test event. */
@EventType("orders.placed")
record OrderPlaced(String orderId, String customer, int quantity) {}
