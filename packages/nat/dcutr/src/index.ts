/**
 * @weft/dcutr: Direct Connection Upgrade through Relay: hole punching with TCP simultaneous open
 */
export {}
