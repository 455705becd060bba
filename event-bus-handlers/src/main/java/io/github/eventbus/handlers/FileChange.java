package io.github.eventbus.handlers;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.EventType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A file was created, modified or deleted: the {@code file_change} event, with snake_case field
 * names in JSON. Published by {@link FileWatcher}, handled by
 * {@link FileChangeHandler}.
 *
 * <p><b>Thread-safety:</b> immutable.
 *
 * @param filePath the file; required
 * @param changeType what happened; required
 * @param size its size in bytes, or null (for a deleted file)
 * @param modifiedTime its last-modified time, or null
 * @param checksum its checksum as lower-case hex ({@code sha256:} or {@code md5:} prefixed when
 *     the watcher made it), or null
 */
@EventType("file_change")
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FileChange(
    @JsonProperty("file_path") String filePath,
    @JsonProperty("change_type") ChangeType changeType,
    @JsonProperty("size") Long size,
    @JsonProperty("modified_time") Instant modifiedTime,
    @JsonProperty("checksum") String checksum) {

  /** The type name. */
  static final String TYPE = "file_change";

  /**
   * Validates the components.
   *
   * @param filePath the file; required
   * @param changeType what happened; required
   * @param size its size in bytes, or null (for a deleted file)
   * @param modifiedTime its last-modified time, or null
   * @param checksum its checksum as lower-case hex ({@code sha256:} or {@code md5:} prefixed when
   *     the watcher made it), or null
   * @throws InvalidEventException naming each invalid field
   */
  public FileChange {
    List<String> problems = new ArrayList<>();
    Fields.require(problems, filePath != null && !filePath.isBlank(), "file_path is required");
    Fields.require(problems, filePath == null || filePath.isBlank() || Fields.isPath(filePath),
        "file_path is not a valid path");
    Fields.require(problems, changeType != null, "change_type is required");
    Fields.require(problems, size == null || size >= 0, "size must not be negative, but was " + size);
    if (!problems.isEmpty()) {
      throw new InvalidEventException(TYPE, problems);
    }
  }

  /**
   * Converts the data of a dynamic {@code file_change} event.
   *
   * @param event the dynamic event
   * @return the file change
   * @throws InvalidEventException naming every invalid field
   */
  public static FileChange from(DynamicEvent event) {
    Fields f = new Fields(TYPE, event.data());
    String path = f.string("file_path", true);
    ChangeType type = f.enumValue("change_type", ChangeType.class, true);
    Long size = f.wholeNumber("size", false, 0);
    Instant modified = f.instant("modified_time", false);
    String checksum = f.string("checksum", false);
    f.check();
    return new FileChange(path, type, size, modified, checksum);
  }
}
