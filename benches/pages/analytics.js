// The "analytics" script every bench page blocks until analytics is accepted. It only leaves a mark: the returning
// visit's figure is this mark's time from navigation start.
performance.mark('bench:analytics');
