//go:build !unix

package relay

// withUmask runs fn: systems without a umask (Windows) give a new unix
// socket the access of its directory, and the mode is set after creation.
func withUmask(mask int, fn func()) { fn() }
