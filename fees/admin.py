"""The tariff book in the admin: the revenue officer copies last year's book, edits the draft's items
(each item's parameters checked for its formula kind) and approves it. Approved and retired books are
read-only: a change is a new version."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from fees.books import BookError, book_approve, book_copy_to_next_year, item_problem
from fees.models import BookStatus, TariffBook, TariffItem


class TariffItemForm(forms.ModelForm):
    class Meta:
        model = TariffItem
        fields = ("position", "code", "kind", "stage", "title_fa", "title_en", "params", "valid_from", "valid_to")

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind and "params" in data:
            problem = item_problem(kind=kind, params=data["params"])
            if problem:
                self.add_error("params", problem)
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", _("The item's validity ends before it starts."))
        return data


class TariffItemInline(admin.StackedInline):
    model = TariffItem
    form = TariffItemForm
    extra = 0
    ordering = ("position", "code")

    def _draft(self, obj) -> bool:
        return obj is None or obj.status == BookStatus.DRAFT

    def has_add_permission(self, request, obj=None):
        return self._draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._draft(obj) and super().has_delete_permission(request, obj)


@admin.register(TariffBook)
class TariffBookAdmin(admin.ModelAdmin):
    list_display = ("municipality", "year", "version", "title_fa", "status", "is_example", "approved_at")
    list_filter = ("status", "year", "municipality", "is_example")
    search_fields = ("title_fa", "title_en")
    inlines = (TariffItemInline,)
    actions = ("copy_to_next_year", "approve")
    fields = (
        "municipality",
        "year",
        "version",
        "title_fa",
        "title_en",
        "is_example",
        "valid_from",
        "valid_to",
        "status",
        "copied_from",
        "approved_by",
        "approved_at",
    )
    readonly_fields = ("status", "copied_from", "approved_by", "approved_at")

    def has_change_permission(self, request, obj=None):
        # an approved or retired book is read-only: the admin shows it, a change is a new version
        if obj is not None and obj.status != BookStatus.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status != BookStatus.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.status = BookStatus.DRAFT  # a new book is always a draft; approving is the action
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Copy to next year (as a draft)"), permissions=["add"])
    def copy_to_next_year(self, request, queryset):
        for book in queryset:
            try:
                copy = book_copy_to_next_year(book=book, actor=request.user)
            except BookError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                continue
            self.message_user(
                request,
                _("%(book)s copied to the draft %(copy)s with its %(n)s items.")
                % {"book": book, "copy": copy, "n": copy.items.count()},
                messages.SUCCESS,
            )

    @admin.action(description=_("Approve (put in force for its year)"), permissions=["change"])
    def approve(self, request, queryset):
        approved = 0
        for book in queryset:
            try:
                book_approve(book=book, actor=request.user)
            except BookError as exc:
                self.message_user(request, f"{book}: {exc}", messages.ERROR)
                continue
            approved += 1
        if approved:
            self.message_user(
                request,
                ngettext("%(n)d book approved.", "%(n)d books approved.", approved) % {"n": approved},
                messages.SUCCESS,
            )
