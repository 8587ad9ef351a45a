/**
 * The Store contract against MQTT.js' own in-memory Store: the behaviour the
 * Redis store is held to is MQTT.js', not an idea of it.
 */
import { Store } from 'mqtt'
import { storeContract } from './store-contract.js'

storeContract("MQTT.js' in-memory Store", { make: async () => new Store(), propertyRuns: 200 })
