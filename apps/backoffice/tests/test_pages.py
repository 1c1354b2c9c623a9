"""The back office's settings pages through Django's test client: who may open them, what
each write does, that a refusal changes nothing and keeps what was typed, query counts."""
from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.db.utils import ProgrammingError
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context
from PIL import Image
from rest_framework.test import APIClient

from apps.backoffice.tests.conftest import png_bytes
from apps.folios.models import ExtraChargeItem, PaymentMethod
from apps.orders.models import CancellationPolicy, Channel
from apps.rooms.models import Room, RoomNight, RoomType
from apps.tenancy.auth_services import integration_token_create
from apps.tenancy.business_day import store_local_date
from apps.tenancy.models import ApiToken, ChangeRecord, StaffProfile, Store
from apps.tenancy.public.models import Tenant
from apps.tenancy.selectors import setting_value, store_perms_for_user
from apps.tenancy.services import staff_create
from tests.world import PASSWORD

pytestmark = pytest.mark.django_db


def _a1(world):
    return world.alpha.stores["A1"].pk


def _url(world, path: str, store="A1") -> str:
    return f"/t/alpha/s/{world.alpha.stores[store].pk}/settings/{path}"


PAGES = ["", "profile/", "staff/", "staff/new/", "room-types/", "room-types/new/", "rooms/", "payment-methods/",
         "payment-methods/new/", "extras/", "extras/new/", "channels/", "channels/new/", "changes/", "other/"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_serves_a_manager_refuses_a_clerk_and_hides_other_stores(as_user, world, path):
    assert as_user("manager_a1").get(_url(world, path)).status_code == 200
    assert as_user("clerk_a1").get(_url(world, path)).status_code == 403
    assert as_user("manager_a1").get(_url(world, path, store="A2")).status_code == 404
    assert as_user("admin_a").get(_url(world, path, store="A2")).status_code == 200


def test_stores_page_is_for_tenant_admins_only(as_user, world):
    assert as_user("admin_a").get(_url(world, "stores/")).status_code == 200
    assert as_user("manager_a1").get(_url(world, "stores/")).status_code == 403
    assert as_user("manager_a1").post(_url(world, "stores/"), {"name": "X", "code": "x"}).status_code == 403
    with tenant_context(world.alpha.tenant):
        assert not Store.objects.filter(code="x").exists()


# --- staff ------------------------------------------------------------------------------------


def test_add_an_employee_in_one_form(as_user, world, in_alpha):
    a1 = world.alpha.stores["A1"]
    response = as_user("manager_a1").post(_url(world, "staff/new/"), {
        "username": "hk_li", "display_name": "李阿姨", "phone": "", "password": "clean-rooms-9", "role": "housekeeping",
        "stores": [a1.pk],
    })
    assert response.status_code == 302
    profile = StaffProfile.objects.select_related("user").get(user__username="hk_li")
    assert (profile.role, profile.display_name, profile.current_store_id) == ("housekeeping", "李阿姨", a1.pk)

    assert store_perms_for_user(user=profile.user, store=a1) == {"clean_store"}
    record = ChangeRecord.objects.get(area="staff", action="create")
    assert record.after == {"username": "hk_li", "role": "客房", "stores": "Alpha One"}
    assert record.actor.username == "manager_a1"
    as_user("hk_li", password="clean-rooms-9")  # can log in


def test_a_refused_password_keeps_what_was_typed_and_creates_nothing(as_user, world, in_alpha):
    response = as_user("manager_a1").post(_url(world, "staff/new/"), {
        "username": "weak_one", "display_name": "王五", "password": "password", "role": "front_desk",
        "stores": [_a1(world)],
    })
    assert response.status_code == 200
    html = response.content.decode()
    assert "这个密码太常见了。" in html
    assert 'value="weak_one"' in html and 'value="王五"' in html
    assert not StaffProfile.objects.filter(user__username="weak_one").exists()


def test_a_manager_cannot_grant_another_store_nor_make_an_admin(as_user, world, in_alpha):
    client = as_user("manager_a1")
    response = client.post(_url(world, "staff/new/"), {
        "username": "sneaky", "display_name": "x", "password": "long-enough-1", "role": "tenant_admin",
        "stores": [world.alpha.stores["A2"].pk],
    })
    assert response.status_code == 200
    html = response.content.decode()
    assert "选择一个有效的选项" in html
    assert not StaffProfile.objects.filter(user__username="sneaky").exists()


def test_a_manager_sees_and_edits_only_the_staff_of_his_stores(as_user, world, in_alpha):
    client = as_user("manager_a1")
    html = client.get(_url(world, "staff/")).content.decode()
    assert 'data-testid="staff-clerk_a1"' in html
    assert 'data-testid="staff-clerk_a2"' not in html and 'data-testid="staff-admin_a"' not in html
    clerk_a2 = world.alpha.users["clerk_a2"]
    assert client.get(_url(world, f"staff/{clerk_a2.pk}/")).status_code == 404
    assert client.post(_url(world, f"staff/{clerk_a2.pk}/"), {"form": "deactivate"}).status_code == 404
    clerk_a2.refresh_from_db()
    assert clerk_a2.is_active
    admin_html = as_user("admin_a").get(_url(world, "staff/")).content.decode()
    assert 'data-testid="staff-clerk_a2"' in admin_html and 'data-testid="staff-admin_a"' in admin_html


def test_edit_role_and_stores_moves_the_grants(as_user, world, in_alpha):

    user = staff_create(username="mover", password=PASSWORD, role="front_desk", stores=[world.alpha.stores["A1"]])
    a1, a2 = world.alpha.stores["A1"], world.alpha.stores["A2"]
    response = as_user("admin_a").post(_url(world, f"staff/{user.pk}/"), {
        "form": "details", "display_name": "调岗", "phone": "", "role": "store_manager", "stores": [a2.pk],
    })
    assert response.status_code == 302
    assert store_perms_for_user(user=user, store=a1) == set()
    assert store_perms_for_user(user=user, store=a2) == {"access_store", "manage_store"}
    record = ChangeRecord.objects.get(area="staff", action="update")
    assert record.before == {"display_name": "", "role": "前台", "stores": "Alpha One"}
    assert record.after == {"display_name": "调岗", "role": "店长", "stores": "Alpha Two"}


def test_deactivate_ends_sessions_and_revokes_tokens(as_user, world, in_alpha):

    user = staff_create(username="leaver", password=PASSWORD, role="front_desk", stores=[world.alpha.stores["A1"]])
    _token, _key = integration_token_create(user=user, name="x")
    leaver = as_user("leaver")
    grid = f"/t/alpha/s/{_a1(world)}/grid/"
    assert leaver.get(grid).status_code == 200
    response = as_user("manager_a1").post(_url(world, f"staff/{user.pk}/"), {"form": "deactivate"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.is_active
    assert not ApiToken.objects.filter(user=user, revoked_at__isnull=True).exists()
    assert leaver.get(grid).status_code == 302  # signed out: to the log-in page
    assert ChangeRecord.objects.filter(area="staff", action="deactivate", object_id=str(user.pk)).count() == 1


def test_reset_password_signs_the_employee_out(as_user, world, in_alpha):
    user = staff_create(username="forgetful", password=PASSWORD, role="front_desk", stores=[world.alpha.stores["A1"]])
    old = as_user("forgetful")
    client = as_user("manager_a1")
    refused = client.post(_url(world, f"staff/{user.pk}/"), {"form": "password", "password": "12345678"})
    assert refused.status_code == 200 and "这个密码太常见了。" in refused.content.decode()
    response = client.post(_url(world, f"staff/{user.pk}/"), {"form": "password", "password": "a-new-secret-7"})
    assert response.status_code == 302
    assert old.get(f"/t/alpha/s/{_a1(world)}/grid/").status_code == 302
    as_user("forgetful", password="a-new-secret-7")
    record = ChangeRecord.objects.get(area="staff", action="password")
    assert (record.before, record.after) == ({}, {})  # never the password


def test_nobody_changes_their_own_role_nor_deactivates_themselves(as_user, world, in_alpha):
    admin = world.alpha.users["admin_a"]
    client = as_user("admin_a")
    response = client.post(_url(world, f"staff/{admin.pk}/"), {
        "form": "details", "display_name": "老板", "phone": "", "role": "front_desk", "stores": [_a1(world)]})
    assert response.status_code == 200 and "不能修改自己的角色。" in response.content.decode()
    client.post(_url(world, f"staff/{admin.pk}/"), {"form": "deactivate"})
    admin.refresh_from_db()
    assert admin.is_superuser and admin.is_active


def test_roles_are_explained_on_the_page(as_user, world):
    html = as_user("manager_a1").get(_url(world, "staff/new/")).content.decode()
    for role in ("租户管理员", "店长", "前台", "客房"):
        assert f"<dt>{role}</dt>" in html
    assert "不接触收款和客人个人信息" in html


# --- housekeeping role ---------------------------------------------------------------------


def test_housekeeping_reaches_rooms_and_cleaning_only(world, in_alpha, client):


    a1 = world.alpha.stores["A1"]
    hk = staff_create(username="hk_wang", password=PASSWORD, role="housekeeping", stores=[a1])
    _t, key = integration_token_create(user=hk, name="hk")
    room_type = RoomType.objects.create(store=a1, name="HK房", default_price=Decimal("100"))
    room = Room.objects.create(store=a1, room_type=room_type, number="H1", housekeeping="dirty")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    base = f"/t/alpha/api/v1/stores/{a1.pk}"
    assert api.get(f"{base}/rooms/").status_code == 200
    changed = api.post(f"{base}/rooms/{room.pk}/housekeeping/", {"status": "clean"}, format="json")
    assert changed.status_code == 200, changed.content
    room.refresh_from_db()
    assert room.housekeeping == "clean"
    # maintenance, not holding rooms for guests
    lock = {"room": room.pk, "start_date": str(store_local_date(store=a1)), "end_date": str(store_local_date(store=a1) + timedelta(days=1))}
    held = api.post(f"{base}/locks/", {**lock, "lock_type": "hold"}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert held.status_code == 403 and held.json()["detail"] == "客房人员只能因维修或保养锁房。"
    assert api.post(f"{base}/locks/", {**lock, "lock_type": "maintenance"}, format="json").status_code == 201
    # no money, no guests, no orders, no figures, no room-type prices to change
    for path in ("/orders/", "/contacts/", "/folios/", "/payment-methods/", "/room-types/", "/grid/"):
        assert api.get(base + path).status_code == 404, path
    assert api.post(f"{base}/rooms/", {"room_type": room_type.pk, "number": "H2"}, format="json").status_code == 404
    # nor the back office's desk pages
    client.post("/t/alpha/login/", {"username": "hk_wang", "password": PASSWORD})
    for path in ("grid/", "orders/", "guests/", "today/", "settings/"):
        assert client.get(f"/t/alpha/s/{a1.pk}/{path}").status_code == 404, path


# --- stores ----------------------------------------------------------------------------------


def test_a_tenant_admin_opens_a_store_with_its_defaults_and_retires_it(as_user, world, in_alpha):
    client = as_user("admin_a")
    response = client.post(_url(world, "stores/"), {"name": "丽江二店", "code": "lijiang-2", "address": "古城区", "phone": ""})
    assert response.status_code == 302
    store = Store.objects.get(code="lijiang-2")
    assert Channel.objects.filter(store=store).count() == 7
    assert PaymentMethod.objects.filter(store=store).count() == 6
    taken = client.post(_url(world, "stores/"), {"name": "又一家", "code": "lijiang-2"})
    assert taken.status_code == 200 and "已被占用。" in taken.content.decode()
    assert 'value="又一家"' in taken.content.decode()
    retire = client.post(_url(world, "stores/"), {"store": store.pk, "action": "retire"})
    assert retire.status_code == 302
    store.refresh_from_db()
    assert not store.is_active
    assert client.get(f"/t/alpha/s/{store.pk}/settings/").status_code == 404
    # tenant-wide records: on every store's change log
    records = ChangeRecord.objects.filter(area="store", object_id=str(store.pk)).order_by("id")
    assert [(r.action, r.store_id) for r in records] == [("create", None), ("retire", None)]


# --- store profile ---------------------------------------------------------------------------


def _profile(**over):
    data = {
        "name": "Alpha One", "address": "大理古城 1 号", "phone": "0872-1234567", "currency": "CNY",
        "check_in_time": "15:00", "check_out_time": "11:30", "audit_time": "03:00", "default_deposit": "300",
        "booking_horizon_days": "365", "free_cancel_hours": "48", "cancel_fee": "percent", "cancel_fee_percent": "50",
        "no_show_fee": "all_nights", "pending_expiry_minutes": "60",
    }
    data.update(over)
    return data


def test_store_profile_saves_every_value_where_its_owner_keeps_it(as_user, world, in_alpha):
    a1 = world.alpha.stores["A1"]
    logo = SimpleUploadedFile("logo.png", png_bytes((1200, 400)), content_type="image/png")
    client = as_user("manager_a1")
    response = client.post(_url(world, "profile/"), {**_profile(), "logo": logo})
    assert response.status_code == 302, response.content.decode()[:2000]
    store = Store.objects.get(pk=a1.pk)
    assert (store.address, store.phone) == ("大理古城 1 号", "0872-1234567")
    policy = CancellationPolicy.objects.get(store_id=a1.pk)
    assert (str(policy.check_in_time), policy.free_cancel_hours, policy.cancel_fee, policy.cancel_fee_percent) == (
        "15:00:00", 48, "percent", Decimal("50.00"))
    assert str(setting_value(store=a1, group="audit", key="time")) == "03:00:00"
    assert str(setting_value(store=a1, group="policy", key="checkout_time")) == "11:30:00"
    assert setting_value(store=a1, group="folio", key="default_deposit") == Decimal("300")
    assert setting_value(store=a1, group="orders", key="booking_horizon_days") == 365
    # the logo: re-encoded, resized to 512 px, served inertly to the tenant's staff
    assert store.logo.startswith(f"{connection.schema_name}/logos/") and store.logo.endswith(".png")
    served = client.get(f"/t/alpha/media/{store.logo}")
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff" and "sandbox" in served["Content-Security-Policy"]


    assert Image.open(io.BytesIO(b"".join(served.streaming_content))).size == (512, 171)
    record = ChangeRecord.objects.get(area="store", action="update")
    assert record.before["address"] == "" and record.after["address"] == "大理古城 1 号"
    assert record.after["audit_time"] == "03:00"


def test_store_profile_refuses_a_bad_value_and_a_fake_image_keeping_the_rest(as_user, world, in_alpha):
    client = as_user("manager_a1")
    bad = client.post(_url(world, "profile/"), _profile(cancel_fee_percent="150", address="新地址"))
    assert bad.status_code == 200
    html = bad.content.decode()
    assert "确保该值小于或等于100。" in html and 'value="新地址"' in html
    fake = SimpleUploadedFile("logo.png", b"<script>alert(1)</script>", content_type="image/png")
    refused = client.post(_url(world, "profile/"), {**_profile(address="新地址"), "logo": fake})
    assert refused.status_code == 200
    assert "请上传 PNG、JPEG 或 WebP 图片。" in refused.content.decode()
    assert Store.objects.get(pk=_a1(world)).address == ""  # nothing saved
    assert not ChangeRecord.objects.exists()


def test_media_of_another_tenant_or_a_made_up_name_is_404(as_user, world):
    client = as_user("admin_a")
    assert client.get("/t/alpha/media/t_beta/logos/" + "0" * 32 + ".png").status_code == 404
    assert client.get("/t/alpha/media/../../etc/passwd").status_code == 404


# --- room types and rooms ------------------------------------------------------------------


def test_room_type_create_edit_image_retire(as_user, world, in_alpha):
    client = as_user("manager_a1")
    data = {"name": "山景大床房", "default_price": "388", "capacity": "2", "amenities": "空调，独立卫浴、观景阳台",
            "description": "", "sort_order": "0"}
    bad = client.post(_url(world, "room-types/new/"), {**data, "default_price": "-1"})
    assert bad.status_code == 200 and "不能小于零。" in bad.content.decode()
    assert 'value="山景大床房"' in bad.content.decode()
    assert not RoomType.objects.filter(name="山景大床房").exists()
    image = SimpleUploadedFile("room.jpg", png_bytes((2400, 1600), fmt="JPEG"), content_type="image/jpeg")
    response = client.post(_url(world, "room-types/new/"), {**data, "image": image})
    assert response.status_code == 302
    room_type = RoomType.objects.get(name="山景大床房")
    assert room_type.amenities == ["空调", "独立卫浴", "观景阳台"]
    assert len(room_type.images) == 1 and room_type.images[0].endswith(".jpg")
    response = client.post(_url(world, f"room-types/{room_type.pk}/"), {**data, "default_price": "428", "capacity": "3"})
    assert response.status_code == 302
    room_type.refresh_from_db()
    assert (room_type.default_price, room_type.capacity) == (Decimal("428.00"), 3)
    record = ChangeRecord.objects.get(area="room_type", action="update")
    assert (record.before, record.after) == ({"default_price": "388.00", "capacity": "2"}, {"default_price": "428", "capacity": "3"})
    client.post(_url(world, f"room-types/{room_type.pk}/"), {"action": "retire"})
    room_type.refresh_from_db()
    assert not room_type.is_active


def test_rooms_in_bulk_and_the_deactivation_guard(as_user, world, in_alpha):
    a1 = world.alpha.stores["A1"]
    room_type = RoomType.objects.create(store=a1, name="标准间", default_price=Decimal("200"))
    client = as_user("manager_a1")
    response = client.post(_url(world, "rooms/"), {"room_type": room_type.pk, "first": "101", "last": "110", "prefix": "", "floor": "1"})
    assert response.status_code == 302
    rooms = list(Room.objects.filter(store=a1, room_type=room_type).order_by("number").values_list("number", "floor"))
    assert rooms == [(str(n), "1") for n in range(101, 111)]
    again = client.post(_url(world, "rooms/"), {"room_type": room_type.pk, "first": "110", "last": "111", "prefix": "", "floor": "1"})
    assert again.status_code == 200 and "这些房间已存在：110。" in again.content.decode()
    assert not Room.objects.filter(store=a1, number="111").exists()
    backwards = client.post(_url(world, "rooms/"), {"room_type": room_type.pk, "first": "120", "last": "112", "floor": "1"})
    assert "不能小于起始号码。" in backwards.content.decode()
    # deactivation: the rooms API's guard (a room holding a stay from today on stays in service)

    room = Room.objects.get(store=a1, number="101")
    today = store_local_date(store=a1)

    RoomNight.objects.create(store=a1, room=room, night=today, kind="stay", order_id=999999)
    refused = client.post(_url(world, "rooms/"), {"room": room.pk, "action": "deactivate"}, follow=True)
    assert "请先调整或解除" in refused.content.decode()
    room.refresh_from_db()
    assert room.is_active
    other = Room.objects.get(store=a1, number="102")
    client.post(_url(world, "rooms/"), {"room": other.pk, "action": "deactivate"})
    other.refresh_from_db()
    assert not other.is_active


# --- payment methods, extras, channels ---------------------------------------------------------


@pytest.mark.parametrize("kind, model, data, dup_message", [
    ("payment-methods", PaymentMethod, {"name": "美团收款", "method_type": "other", "sort_order": "9"}, "已有同名的收款方式。"),
    ("extras", ExtraChargeItem, {"name": "早餐", "default_price": "38", "category": "food", "description": "", "sort_order": "0"},
     "已有同名的附加消费项目。"),
    ("channels", Channel, {"name": "抖音", "code": "douyin", "channel_type": "ota", "description": "", "sort_order": "9"},
     "已有渠道使用此名称。"),
])
def test_catalogue_add_edit_refuse_retire(as_user, world, in_alpha, kind, model, data, dup_message):
    client = as_user("manager_a1")
    assert client.post(_url(world, f"{kind}/new/"), data).status_code == 302
    obj = model.objects.get(store_id=_a1(world), name=data["name"])
    dup = client.post(_url(world, f"{kind}/new/"), {**data, "code": "other-code"})
    assert dup.status_code == 200 and dup_message in dup.content.decode(), dup.content.decode()[-3000:]
    assert model.objects.filter(store_id=_a1(world), name=data["name"]).count() == 1
    edited = client.post(_url(world, f"{kind}/{obj.pk}/"), {**data, "name": data["name"] + "2"})
    assert edited.status_code == 302
    obj.refresh_from_db()
    assert obj.name == data["name"] + "2"
    client.post(_url(world, f"{kind}/"), {"id": obj.pk, "action": "retire"})
    obj.refresh_from_db()
    assert not obj.is_active
    actions = list(ChangeRecord.objects.filter(object_id=str(obj.pk)).order_by("id").values_list("action", flat=True))
    assert actions == ["create", "update", "retire"]


def test_catalogue_of_another_store_is_404(as_user, world, in_alpha):
    other = PaymentMethod.objects.create(store=world.alpha.stores["A2"], name="A2专用", method_type="other")
    assert as_user("manager_a1").get(_url(world, f"payment-methods/{other.pk}/")).status_code == 404
    assert as_user("manager_a1").get(_url(world, "nonsense/")).status_code == 404


# --- change log -------------------------------------------------------------------------------


def test_change_log_shows_who_when_before_after(as_user, world, in_alpha):
    client = as_user("manager_a1")
    client.post(_url(world, "extras/new/"), {"name": "洗衣", "default_price": "20", "category": "laundry", "sort_order": "0"})
    html = client.get(_url(world, "changes/")).content.decode()
    assert "manager_a1" in html and "附加消费" in html and "洗衣" in html and "已创建" in html


def test_change_records_are_append_only(world, in_alpha):
    record = ChangeRecord.objects.create(area="store", action="update", before={"name": "a"}, after={"name": "b"})
    with pytest.raises(ProgrammingError), transaction.atomic():
        ChangeRecord.objects.filter(pk=record.pk).update(after={"name": "c"})
    with pytest.raises(ProgrammingError), transaction.atomic():
        ChangeRecord.objects.filter(pk=record.pk).delete()
    assert ChangeRecord.objects.get(pk=record.pk).after == {"name": "b"}


# --- no N+1 ------------------------------------------------------------------------------------


def _queries(client, url) -> int:

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_pages_cost_the_same_queries_for_1_and_20_rows(as_user, world, in_alpha):
    a1 = world.alpha.stores["A1"]
    client = as_user("admin_a")
    pages = ["staff/", "room-types/", "rooms/", "payment-methods/", "extras/", "channels/", "changes/", "stores/"]
    room_type = RoomType.objects.create(store=a1, name="T0", default_price=Decimal("1"), images=["x/room_types/" + "0" * 32 + ".png"])
    Room.objects.create(store=a1, room_type=room_type, number="R0")
    staff_create(username="s0", password=PASSWORD, role="front_desk", stores=[a1])
    ChangeRecord.objects.create(store=a1, area="store", action="update", actor=world.alpha.users["admin_a"])
    ExtraChargeItem.objects.create(store=a1, name="E0", default_price=1)
    Store.objects.create(name="S0", code="s0")
    first = {p: _queries(client, _url(world, p)) for p in pages}
    for i in range(1, 20):
        t = RoomType.objects.create(store=a1, name=f"T{i}", default_price=Decimal("1"))
        Room.objects.create(store=a1, room_type=t, number=f"R{i}")
        staff_create(username=f"s{i}", password=PASSWORD, role="front_desk", stores=[a1])
        ChangeRecord.objects.create(store=a1, area="store", action="update", actor=staff_create(
            username=f"actor{i}", password=PASSWORD, role="front_desk", stores=[a1]))
        ExtraChargeItem.objects.create(store=a1, name=f"E{i}", default_price=1)
        PaymentMethod.objects.create(store=a1, name=f"P{i}", method_type="other")
        Channel.objects.create(store=a1, name=f"C{i}", code=f"c{i}", channel_type="other")
        Store.objects.create(name=f"S{i}", code=f"s{i}")
    second = {p: _queries(client, _url(world, p)) for p in pages}
    assert second == first


# --- other settings (typed) ---------------------------------------------------------------------


def test_typed_settings_refuse_a_bad_value_set_per_store_or_for_all(as_user, world, in_alpha):
    a1, a2 = world.alpha.stores["A1"], world.alpha.stores["A2"]
    manager = as_user("manager_a1")
    bad = manager.post(_url(world, "other/"), {"group": "mp", "key": "show_revenue", "value_type": "bool", "value": "maybe"})
    assert bad.status_code == 200
    html = bad.content.decode()
    assert "请输入 true 或 false。" in html and 'value="show_revenue"' in html and 'value="maybe"' in html
    assert setting_value(store=a1, group="mp", key="show_revenue") is None
    # a manager's value is this store's, even if he ticks "all stores" (the field is not his)
    assert manager.post(_url(world, "other/"), {"group": "mp", "key": "show_revenue", "value_type": "bool", "value": "yes",
                                                "all_stores": "on"}).status_code == 302
    assert setting_value(store=a1, group="mp", key="show_revenue") is True
    assert setting_value(store=a2, group="mp", key="show_revenue") is None
    admin = as_user("admin_a")
    assert admin.post(_url(world, "other/"), {"group": "notify", "key": "reminder_time", "value_type": "time", "value": "9:30",
                                              "all_stores": "on"}).status_code == 302
    assert str(setting_value(store=a2, group="notify", key="reminder_time")) == "09:30:00"
    records = list(ChangeRecord.objects.filter(area="setting").order_by("id").values_list("object_label", "store_id", "after"))
    assert records == [("mp.show_revenue", a1.pk, {"value": "true"}), ("notify.reminder_time", None, {"value": "09:30"})]
    page = manager.get(_url(world, "other/")).content.decode()
    assert 'data-testid="setting-mp-show_revenue"' in page and 'data-testid="setting-notify-reminder_time"' in page


def test_django_admin_speaks_chinese(as_user, world):
    client = as_user("admin_a")
    index = client.get("/t/alpha/admin/").content.decode()
    for heading in ("客人", "账单", "订单", "房间", "通知", "夜审", "门店与员工"):
        assert heading in index, heading
    rule = client.get("/t/alpha/admin/rooms/pricingrule/add/").content.decode()
    assert "适用星期" in rule and "星期一" in rule and "Days of week" not in rule


def test_django_admin_hides_internals(as_user, world, in_alpha):
    client = as_user("admin_a")
    token = ApiToken.objects.filter(user=world.alpha.users["clerk_a1"]).first()
    page = client.get(f"/t/alpha/admin/tenancy/apitoken/{token.pk}/change/").content.decode()
    assert client.get(f"/t/alpha/admin/tenancy/apitoken/{token.pk}/change/").status_code == 200
    assert token.key_hash not in page and str(token.family) not in page


def test_a_tenant_admin_renames_the_business(as_user, world, in_alpha):
    client = as_user("admin_a")
    blank = client.post(_url(world, "stores/"), {"tenant_name": "  "})
    assert blank.status_code == 200 and "该字段是必填项。" in blank.content.decode()
    assert client.post(_url(world, "stores/"), {"tenant_name": "阿尔法客栈"}).status_code == 302
    assert Tenant.objects.get(slug="alpha").name == "阿尔法客栈"
    assert "PMS · 阿尔法客栈" in client.get(_url(world, "")).content.decode()
    record = ChangeRecord.objects.get(area="tenant")
    assert (record.store_id, record.before, record.after) == (None, {"name": "Alpha Inns"}, {"name": "阿尔法客栈"})
    assert as_user("manager_a1").post(_url(world, "stores/"), {"tenant_name": "x"}).status_code == 403
