from ninja import Router

router = Router()
open_data_router = Router()
