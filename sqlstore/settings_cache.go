package sqlstore

import (
	"maps"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/bus"
)

// TopicSettings is the topic of the notices about an organization's
// settings; the key is its id.
const TopicSettings = "settings"

// DefaultSettingsTTL is the longest Settings answers an organization's
// settings from memory. Every page and every sign-in reads the settings,
// which change a few times a year: the cache saves a query per request. A
// change made through any Store of the deployment (another replica, or
// `gatehouse settings set` while the server runs) drops every replica's cache
// when its notice arrives (Publish), and the writer's own at once; whatever
// the notices do, no entry is used once older than this.
const DefaultSettingsTTL = time.Second

// newSettingsCache returns the settings cache for Options.SettingsTTL: the
// default for 0, none for a negative one (every read goes to the database).
func newSettingsCache(b *bus.Bus, ttl time.Duration) *busCache[map[string]string] {
	switch {
	case ttl < 0:
		return nil
	case ttl == 0:
		ttl = DefaultSettingsTTL
	}
	return newBusCache(b, TopicSettings, ttl, maps.Clone[map[string]string])
}
