package bus;

/** A class whose binary name is a name reserved for the bus's reports, for TypeNamesTest. */
public record dead_letter() {}
