/* stats.c — running statistics, intervals, quantiles, paired differences (owner: run). */
