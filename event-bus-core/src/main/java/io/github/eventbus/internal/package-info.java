/**
 * Machinery shared by the library's modules. <b>Not part of the API:</b> public only because Java
 * packages cannot share package-private code; anything here may change in any release.
 */
package io.github.eventbus.internal;
