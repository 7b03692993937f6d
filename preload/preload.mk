# preload/: libsbpreload.so, loaded into the jail by the supervisor.

PRELOAD_SO := $(BUILD)/libsbpreload.so

$(PRELOAD_SO): preload/preload.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -shared -nostartfiles -o $@ $< $(LDFLAGS)

ALL_TARGETS += $(PRELOAD_SO)
C_SOURCES += preload/preload.c
