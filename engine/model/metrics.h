/* metrics.h — the figures the model records, their names, units and meanings (one table).
 *
 * Every command, the HDF5 writer and the printed tables take metric names from here, so that
 * adding a metric is one line in metrics.c. Values are doubles in memory; counts are exact.
 */
#ifndef C5SIM_METRICS_H
#define C5SIM_METRICS_H

enum metric {
    METRIC_HARM = 0,         /* harm suffered (impacts + harm per tick), harm units */
    METRIC_ARRIVALS,         /* threats arrived that target this state */
    METRIC_DETECTIONS,       /* detections by this state (cued or not) */
    METRIC_CUED_DETECTIONS,  /* detections made while holding intel on the threat */
    METRIC_INTERDICTIONS,    /* threats this state neutralised */
    METRIC_IMPACTS,          /* threats that impacted this state */
    METRIC_REPORTS_SHARED,   /* reports this state sent (one per receiver) */
    METRIC_REPORTS_WITHHELD, /* reports this state could have sent in scope but did not */
    METRIC_LEAKS,            /* reports from this state that leaked at a receiver */
    METRIC_SHARING_COST,     /* cost of reports shared, harm units */
    METRIC_LOSS,             /* harm + sharing cost (+ measure cost share), harm units */
    METRIC_ENGAGEMENTS,      /* engagements by this state's units */
    METRIC_BUSY_UNIT_TICKS,  /* unit-ticks spent engaged (utilisation numerator) */
    /* channels (docs/model.md §5.9-§5.13): a detection counts for the first channel that alone
     * with the ones before it would have made it (own, border, cue, network), or upstream */
    METRIC_DETECT_OWN,        /* detections the state's own detection p made */
    METRIC_DETECT_BORDER,     /* detections the border bonus added */
    METRIC_DETECT_CUE,        /* detections a report's cue added */
    METRIC_DETECT_NETWORK,    /* detections network intelligence added */
    METRIC_DETECT_UPSTREAM,   /* detections by upstream collection in external areas */
    METRIC_IMPACTS_MITIGATED, /* impacts on this state softened by a warning */
    METRIC_HARM_MITIGATED,    /* harm those warnings averted, harm units */
    METRIC_NETWORK_SENT,      /* network reports this state sent, one per receiver */
    METRIC_NETWORK_RECEIVED,  /* network reports that reached this state still valid */
    METRIC_NETWORK_LEAKED,    /* network reports from this state that leaked at a receiver */
    /* strategic leakers (docs/model.md §5.16) */
    METRIC_EXPLOITS,          /* reports this state exploited as a receiver */
    METRIC_EXPLOITS_DETECTED, /* of those, the ones their sender (or the hub) caught */
    METRIC_EXPLOIT_GAIN,      /* gain of the reports it exploited, harm units (off its loss) */
    METRIC_REPORTS_EXCLUDED,  /* reports this state withheld from receivers it excluded */
    METRIC_COUNT
};

struct metric_info {
    const char *name;        /* dataset name, e.g. "harm" */
    const char *unit;        /* "harm", "count", ... */
    const char *description; /* one sentence */
    int is_count;            /* 1: integral values (stored as integers) */
};

extern const struct metric_info metric_table[METRIC_COUNT];

/* Index of a metric by name, or -1. */
int metric_by_name(const char *name);

#endif
